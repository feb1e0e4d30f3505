// The rules editor's engine, through the daemon's API as the shell and `cloison rules` use it: an
// invalid text is refused whole with its problems at their lines, a candidate can be asked before it
// is saved (one question, or the last transfers again), saving is audited with both rule sets'
// digests and a reason, and any version can be put back. Real daemon, real files, real audit log.
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tailAudit } from '../audit/index.js';
import type { DaemonClient } from '../client/client.js';
import { CloisonError } from '../contract/errors.js';
import { startDaemon, type TestDaemon } from '../testing/daemon.js';
import { hidePassphrases } from './config-editor.js';
import { hashPassphrase } from './passphrase.js';

const config = `# Two levels; PNG files may not go up yet.
levels:
  - { id: internet, label: Internet, colour: "#aa0000", rank: 0 }
  - { id: office, label: Office, colour: "#0000aa", rank: 1 }
rules:
  - { id: text-up, kind: clipboard, from: "*", to: up, types: [text/plain], action: allow, sanitise: plain-text }
`;
const pngRule = `  - { id: png-up, kind: file, from: internet, to: office, types: [image/png], action: allow, sanitise: image-reencode }\n`;

async function failure(call: Promise<unknown>): Promise<CloisonError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CloisonError);
  return err as CloisonError;
}

describe('the rules editor', () => {
  let daemon: TestDaemon;
  let admin: DaemonClient;
  let user: DaemonClient;
  const sendPng = () =>
    user.call('files.send', { from: 'internet', to: 'office', paths: ['photo.png'] });

  beforeAll(async () => {
    daemon = await startDaemon({ config });
    admin = await daemon.client('admin', 'alice');
    user = await daemon.client('user', 'bob');
    const png = await sharp({
      create: { width: 8, height: 8, channels: 3, background: { r: 200, g: 10, b: 10 } },
    })
      .png()
      .toBuffer();
    await writeFile(join(daemon.home('internet'), 'photo.png'), png);
  });
  afterAll(async () => {
    admin?.close();
    user?.close();
    await daemon?.cleanup();
  });

  it('shows the main file as written, comments included', async () => {
    const shown = await admin.call('config.show', {});
    expect(shown.text).toBe(config);
    expect(shown.file).toBe(daemon.configFile);
    expect(shown.editable).toBe(true);
  });

  it('refuses an invalid text whole, naming the line and the field, and keeps the old one', async () => {
    const before = await admin.call('config.show', {});
    // Line 7: an unknown action; line 8: a rule naming a level that does not exist.
    const bad =
      config +
      `  - { id: png-up, kind: file, from: internet, to: office, types: [image/png], action: permit }\n` +
      `  - { id: nowhere, kind: file, from: internet, to: nowhere, types: [image/png], action: allow }\n`;
    const checked = await admin.call('config.validate', { text: bad });
    expect(checked.valid).toBe(false);
    expect(checked.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ line: 7, path: 'rules[1].action' }),
        expect.objectContaining({ line: 8, path: 'rules[2].to' }),
      ]),
    );
    const refused = await failure(admin.call('config.apply', { text: bad, reason: 'try it' }));
    expect(refused.code).toBe('INVALID_CONFIG');
    expect(readFileSync(daemon.configFile, 'utf8')).toBe(config);
    expect((await admin.call('config.show', {})).digest).toBe(before.digest);
    expect((await admin.call('config.history', {})).versions).toEqual([]);
  });

  it('answers for a candidate before it is saved: the new rule decides, and the denied transfer would pass', async () => {
    const denied = await failure(sendPng());
    expect(denied.code).toBe('DENIED_BY_RULE');
    const candidate = config + pngRule;
    const transfer = {
      kind: 'file',
      from: 'internet',
      to: 'office',
      type: 'image/png',
      size: 100,
    } as const;
    const now = await admin.call('config.dryRun', { transfer });
    expect(now.decision).toMatchObject({ action: 'deny', ruleId: 'default-deny' });
    const then = await admin.call('config.dryRun', { text: candidate, transfer });
    expect(then.decision).toMatchObject({ action: 'allow', ruleId: 'png-up' });
    expect(then.explanation).toMatch(/png-up/);
    const replay = await admin.call('config.replay', { text: candidate, count: 10 });
    expect(replay.replayed).toBeGreaterThanOrEqual(1);
    expect(replay.changed).toEqual([
      expect.objectContaining({
        from: 'internet',
        to: 'office',
        types: ['image/png'],
        before: { action: 'deny', ruleId: 'default-deny' },
        after: expect.objectContaining({ action: 'allow', ruleId: 'png-up' }),
      }),
    ]);
    const checked = await admin.call('config.validate', { text: candidate });
    expect(checked.diff.filter((l) => l.op !== ' ')).toEqual([
      { op: '+', text: pngRule.trimEnd() },
    ]);
  });

  it('applies a change with its reason, audits both rule sets’ digests, and the transfer passes', async () => {
    const before = await admin.call('config.show', {});
    const stale = await failure(
      admin.call('config.apply', {
        text: config + pngRule,
        reason: 'photos for the report',
        basedOn: 'f'.repeat(64),
      }),
    );
    expect(stale.message).toMatch(/changed since this edit began/);
    const applied = await admin.call('config.apply', {
      text: config + pngRule,
      reason: 'photos for the report',
      basedOn: before.digest,
    });
    expect(applied.previousRulesDigest).toBe(before.rulesDigest);
    expect(applied.version.rulesDigest).not.toBe(before.rulesDigest);
    expect(readFileSync(daemon.configFile, 'utf8')).toBe(config + pngRule);
    expect((await sendPng()).status).toBe('delivered');
    const changes = (await tailAudit(daemon.paths.audit, 50)).filter(
      (e) => e.event === 'config.changed',
    );
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      actor: expect.stringMatching(/^alice \(admin-\d+\)$/),
      reason: 'photos for the report',
      previousRulesDigest: before.rulesDigest,
      rulesDigest: applied.version.rulesDigest,
    });
    const { versions } = await admin.call('config.history', {});
    // The starting point, then the change.
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    expect((await admin.call('config.version', { version: 1 })).text).toBe(config);
  });

  it('rolls back to the first version: the denial is back', async () => {
    const applied = await admin.call('config.rollback', { version: 1, reason: 'report sent' });
    expect(applied.version.version).toBe(3);
    expect(applied.version.reason).toMatch(/report sent \(rollback to version 1\)/);
    expect(readFileSync(daemon.configFile, 'utf8')).toBe(config);
    expect((await failure(sendPng())).code).toBe('DENIED_BY_RULE');
  });

  it('does the same from the CLI: check shows problems, apply shows the diff', async () => {
    const file = join(daemon.dir, 'candidate.yaml');
    await writeFile(file, config.replace('action: allow', 'action: perhaps'));
    const bad = await daemon.cli(['rules', 'check', file]);
    expect(bad.code).toBe(6);
    expect(bad.stderr).toMatch(/:6:\d+: rules\[0\]\.action/);
    await writeFile(file, config + pngRule);
    const noReason = await daemon.cli(['rules', 'apply', file]);
    expect(noReason.code).toBe(2);
    const ok = await daemon.cli(['rules', 'apply', file, '--reason', 'again']);
    expect(ok.code).toBe(0);
    expect(ok.text).toContain(`+${pngRule.trimEnd()}`);
    expect(ok.text).toMatch(/applied as version 4/);
    const history = await daemon.cli(['rules', 'history']);
    expect(history.text.trim().split('\n')).toHaveLength(4);
  });

  it('refuses to apply a copy from `rules show` once someone else changed the configuration', async () => {
    const shown = await daemon.cli(['rules', 'show']);
    expect(shown.text.split('\n')[0]).toMatch(/^# cloison-based-on: [0-9a-f]{64}$/u);
    const file = join(daemon.dir, 'mine.yaml');
    await writeFile(file, shown.text.replace('label: Internet', 'label: Web') + '\n');
    // Meanwhile another administrator changes it.
    const current = (await admin.call('config.show', {})).text;
    await admin.call('config.apply', {
      text: current.replace('label: Office', 'label: Theirs'),
      reason: 'theirs',
    });
    const stale = await daemon.cli(['rules', 'apply', file, '--reason', 'mine']);
    expect(stale.code).not.toBe(0);
    expect(stale.stderr).toMatch(/changed since this edit began/u);
    expect((await admin.call('config.show', {})).text).toContain('label: Theirs');
    // The control: a fresh copy applies.
    const fresh = await daemon.cli(['rules', 'show']);
    await writeFile(file, fresh.text.replace('label: Internet', 'label: Web') + '\n');
    expect((await daemon.cli(['rules', 'apply', file, '--reason', 'mine'])).code).toBe(0);
  });

  it('keeps the user socket out of it', async () => {
    expect((await failure(user.call('config.show', {}))).code).toBe('NOT_ALLOWED');
    expect(
      (await failure(user.call('config.apply', { text: config, reason: 'mine now' }))).code,
    ).toBe('NOT_ALLOWED');
  });
});

describe("an administrator's login from the shell", () => {
  const ALICE = 'correct horse battery';
  const text = (hash: string, argv: string, label = 'Office') => `administration:
  accounts: [{ name: alice, role: admin, passphrase: "${hash}" }]
levels:
  - { id: internet, label: Internet, colour: "#aa0000", rank: 0 }
  - id: office
    label: ${label}
    colour: "#0000aa"
    rank: 1
    apps: [{ id: terminal, label: Terminal, type: native, argv: [${argv}] }]
rules: []
`;
  let daemon: TestDaemon;
  let hash: string;

  beforeAll(async () => {
    hash = await hashPassphrase(ALICE);
    daemon = await startDaemon({ config: text(hash, 'xterm') });
  });
  afterAll(async () => {
    await daemon?.cleanup();
  });

  it('may rename a level, and may not change what runs in it; the admin socket may', async () => {
    const shell = await daemon.client('user', 'alice');
    const admin = await daemon.client('admin', 'root');
    try {
      await shell.call('session.login', { account: 'alice', passphrase: ALICE });
      const before = await shell.call('config.show', {});
      // An app that would send the level's files out: refused, and nothing changed.
      const refused = await failure(
        shell.call('config.apply', {
          text: text(hash, 'perl, -e, "exfiltrate"'),
          reason: 'helper',
        }),
      );
      expect(refused.code).toBe('NOT_ALLOWED');
      expect(refused.message).toContain('changes app "terminal" of level "office"');
      expect((await shell.call('config.show', {})).digest).toBe(before.digest);
      // A label is the console's to change.
      const renamed = await shell.call('config.apply', {
        text: text(hash, 'xterm', 'Bureau'),
        reason: 'French',
      });
      expect(renamed.version.version).toBeGreaterThan(0);
      // The control: the machine's administrator, on the admin socket, may change the app.
      const changed = await admin.call('config.apply', {
        text: text(hash, 'xterm, -bg, black', 'Bureau'),
        reason: 'dark terminal',
      });
      expect(changed.version.version).toBeGreaterThan(renamed.version.version);
    } finally {
      shell.close();
      admin.close();
    }
  });
});

describe('the rules editor on the embedded default', () => {
  it('writes the change to the state folder, never to the packaged file, and starts on it again', async () => {
    const daemon = await startDaemon({ packagedDefault: true });
    const admin = await daemon.client('admin', 'alice');
    try {
      const shown = await admin.call('config.show', {});
      const packaged = readFileSync(shown.file, 'utf8');
      const edited = `${shown.text}\n# changed by the test\n`;
      await admin.call('config.apply', { text: edited, reason: 'a comment' });
      expect(readFileSync(shown.file, 'utf8')).toBe(packaged);
      expect(readFileSync(daemon.paths.editedConfig, 'utf8')).toBe(edited);
      admin.close();
      await daemon.stop();
      await daemon.restart();
      const again = await daemon.client('admin', 'alice');
      expect((await again.call('config.show', {})).file).toBe(daemon.paths.editedConfig);
      again.close();
    } finally {
      await daemon.cleanup();
    }
    expect(existsSync(daemon.dir)).toBe(false);
  });
});

describe('hidePassphrases', () => {
  it('hides every hash and nothing else', () => {
    const text = `accounts:\n  - { name: a, role: auditor, passphrase: "scrypt$32768$8$1$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaA" }\n# scrypt is slow\n`;
    expect(hidePassphrases(text)).toBe(
      `accounts:\n  - { name: a, role: auditor, passphrase: "scrypt$(hidden)" }\n# scrypt is slow\n`,
    );
  });
});
