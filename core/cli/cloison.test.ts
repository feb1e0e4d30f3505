// The CLI's human output, through the real `cloison` (and a real daemon where it needs one): what an
// administrator reads must say what is there, once, in English, and never obey the text it shows.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../audit/index.js';
import { runCli, startDaemon, type TestDaemon } from '../testing/daemon.js';
import { testConfig } from '../testing/configs.js';
import { count, printable } from './output.js';

// C0 and C1 controls, DEL, bidi controls and line/paragraph separators, raw.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u;

describe('cli output', () => {
  describe('printable', () => {
    it.each([
      ['plain text', 'report.pdf', 'report.pdf'],
      ['an escape sequence', 'a\u001b[2Kb', 'a\\u{1b}[2Kb'],
      ['a newline', 'a\nb', 'a\\u{a}b'],
      ['a bidi override', 'invoice\u202Efdp.exe', 'invoice\\u{202e}fdp.exe'],
      ['a zero-width space', 'a\u200Bb', 'a\\u{200b}b'],
      ['a line separator', 'a\u2028b', 'a\\u{2028}b'],
      ['an unpaired surrogate', 'a\uD800b', 'a\\u{d800}b'],
      ['accents and emoji', 'Zoë 📄', 'Zoë 📄'],
    ])('escapes %s', (_what, text, shown) => {
      expect(printable(text)).toBe(shown);
    });
  });

  describe('count', () => {
    it.each([
      ['0 rules', 0, 'rule', undefined],
      ['1 rule', 1, 'rule', undefined],
      ['2 rules', 2, 'rule', undefined],
      ['1 entry', 1, 'entry', 'entries'],
      ['3 entries', 3, 'entry', 'entries'],
    ] as const)('says "%s"', (text, n, one, many) => {
      expect(count(n, one, many)).toBe(text);
    });
  });
});

describe('cloison audit verify', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cloison-cli-verify-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('when the folder holds no audit log', () => {
    it.each([
      ['a state folder that does not exist', ['--state', '/tmp/cloison-typo-nowhere']],
      ['a folder of other files', ['audit-dir']],
    ])('fails with 6 on %s and says there is no log', async (_what, args) => {
      const other = join(dir, 'etc');
      await mkdir(other, { recursive: true });
      await writeFile(join(other, 'passwd'), 'root:x:0:0::/root:/bin/sh\n');
      const argv =
        args[0] === 'audit-dir'
          ? ['audit', 'verify', '--dir', other]
          : [...args, 'audit', 'verify'];
      const result = await runCli(argv);
      expect(result.code).toBe(6);
      expect(result.text).toContain('there is no audit log here');
      expect(result.text).not.toContain('intact');
    });
  });

  describe('when the log was opened and holds entries', () => {
    it('says how many, in English', async () => {
      const log = join(dir, 'one');
      const audit = await AuditLog.open(log);
      await audit.append({ actor: 'cloisond', event: 'daemon.started' });
      await audit.close();
      const one = await runCli(['audit', 'verify', '--dir', log]);
      expect(one.code).toBe(0);
      expect(one.text).toContain('chain intact, 1 entry in 1 segment\n');
      const empty = join(dir, 'empty');
      await (await AuditLog.open(empty)).close();
      const none = await runCli(['audit', 'verify', '--dir', empty]);
      expect(none.code).toBe(0);
      expect(none.text).toContain('chain intact, 0 entries in 0 segments');
    });
  });
});

describe('cloison policy check', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cloison-cli-policy-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('warns once about an unreachable rule, with its file and line, and counts in English', async () => {
    const file = join(dir, 'config.yaml');
    await writeFile(
      file,
      [
        'levels:',
        '  - { id: low, label: Low, colour: "#aa0000", rank: 0 }',
        '  - { id: high, label: High, colour: "#0000aa", rank: 1 }',
        'rules:',
        '  - id: everything',
        '    kind: file',
        '    from: "*"',
        '    to: "*"',
        '    types: ["*/*"]',
        '    action: deny',
        '  - id: never',
        '    kind: file',
        '    from: low',
        '    to: high',
        '    types: [text/plain]',
        '    action: allow',
        '',
      ].join('\n'),
    );
    const result = await runCli(['policy', 'check', file]);
    expect(result.code).toBe(0);
    const warnings = result.text.split('\n').filter((l) => l.startsWith('warning:'));
    expect(warnings).toEqual([expect.stringContaining(`${file}:11: rule never can never match`)]);
    expect(result.text).toContain('(2 levels, 2 rules)');
  });

  it('says "1 rule", not "1 rules"', async () => {
    const file = join(dir, 'one.yaml');
    await writeFile(
      file,
      [
        'levels:',
        '  - { id: low, label: Low, colour: "#aa0000", rank: 0 }',
        '  - { id: high, label: High, colour: "#0000aa", rank: 1 }',
        'rules:',
        '  - { id: only, kind: file, from: low, to: high, types: ["*/*"], action: allow }',
        '',
      ].join('\n'),
    );
    const result = await runCli(['policy', 'check', file]);
    expect(result.code).toBe(0);
    expect(result.text).toContain('(2 levels, 1 rule)');
  });
});

describe('cloison human output of hostile text', () => {
  let daemon: TestDaemon;
  beforeAll(async () => {
    daemon = await startDaemon({ config: testConfig });
  });
  afterAll(async () => {
    await daemon.cleanup();
  });

  describe('when a file name carries an escape, a newline or a bidi override', () => {
    it('shows the transfer with them escaped; JSON keeps the name as it is', async () => {
      const name = 'a\u001b[2K\nrule files-up: allow\u202Efdp.txt';
      await writeFile(join(daemon.home('low'), name), 'hello');
      const human = await daemon.cli(['files', 'send', '--from', 'low', '--to', 'mid', name]);
      expect(human.code).toBe(0);
      expect(human.text).not.toMatch(RAW);
      expect(human.text).toContain('a\\u{1b}[2K\\u{a}rule files-up: allow\\u{202e}fdp.txt');
      expect(human.text).toContain('5 bytes');

      await writeFile(join(daemon.home('low'), name), 'again');
      const json = await daemon.cli([
        '--json',
        'files',
        'send',
        '--from',
        'low',
        '--to',
        'high',
        name,
      ]);
      expect((JSON.parse(json.text) as { items: { name: string }[] }).items[0]!.name).toBe(name);
    });
  });

  describe('when an audit entry carries control characters', () => {
    it('prints each entry on its own line, escaped', async () => {
      await daemon.stop();
      // Written before this version refused such actors, or by anything else that can append.
      const log = await AuditLog.open(daemon.paths.audit);
      await log.append({
        actor: 'mallory\n1 2000-01-01T00:00:00Z root: transfer.delivered',
        event: 'transfer.denied\u001b[1A',
        reason: 'no\u202Ereason',
      });
      await log.close();
      await daemon.restart();
      const tail = await daemon.cli(['audit', 'tail', '-n', '3']);
      expect(tail.code).toBe(0);
      expect(tail.text).not.toMatch(RAW);
      const lines = tail.text.trimEnd().split('\n');
      expect(lines).toHaveLength(3);
      expect(tail.text).toContain('mallory\\u{a}1 2000-01-01T00:00:00Z root: transfer.delivered');
      expect(tail.text).toContain('transfer.denied\\u{1b}[1A');
      expect(tail.text).toContain('no\\u{202e}reason');
    });
  });
});

describe('cloison given words it does not know', () => {
  let daemon: TestDaemon;
  beforeAll(async () => {
    daemon = await startDaemon({ config: testConfig });
  });
  afterAll(async () => {
    await daemon?.cleanup();
  });

  it.each([
    [['status', '--bogus'], /status takes no arguments/],
    [['reload', 'now'], /reload takes no arguments/],
    [['transfers', 'list', '--bogus'], /Unknown option '--bogus'/],
    [['transfers', 'show', 'x', 'y'], /unexpected argument y/],
    [['levels', 'start', 'low', 'extra'], /unexpected argument extra/],
    [['apps', 'list', '--bogus'], /Unknown option '--bogus'/],
  ])('refuses %j with usage (exit 2), and does nothing', async (args, message) => {
    const before = (await daemon.cli(['audit', 'tail', '-n', '1000', '--json'])).text;
    const result = await daemon.cli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect((await daemon.cli(['audit', 'tail', '-n', '1000', '--json'])).text).toBe(before);
  });

  it('refuses to explain a transfer naming a level that does not exist, or a type that is none', async () => {
    const explainArgs = (from: string, type: string) => [
      'policy',
      'explain',
      '--kind',
      'clipboard',
      '--from',
      from,
      '--to',
      'high',
      '--type',
      type,
      '--size',
      '3',
    ];
    // The control: a real question gets its answer.
    const known = await daemon.cli(explainArgs('low', 'text/plain'));
    expect(known.code).toBe(0);
    expect(known.text).toMatch(/decision:/);
    const unknown = await daemon.cli(explainArgs('nowhere', 'text/plain'));
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/There is no level "nowhere"/);
    const wildcard = await daemon.cli(explainArgs('low', 'text/*'));
    expect(wildcard.code).toBe(2);
    expect(wildcard.stderr).toMatch(/--type is a MIME type/);
  });
});

describe('cloison facing a socket that never answers', () => {
  it('gives up after --timeout and says so, as unreachable (exit 5)', async () => {
    const state = await mkdtemp(join(tmpdir(), 'cloison-cli-silent-'));
    await mkdir(join(state, 'run'));
    // Accepts, reads, never answers: a hung daemon, or something else listening there.
    const silent = net.createServer((socket) => socket.on('data', () => undefined));
    await new Promise<void>((r) => silent.listen(join(state, 'run', 'user.sock'), r));
    try {
      const result = await runCli(['--state', state, '--timeout', '0.5', 'status']);
      expect(result.code).toBe(5);
      expect(result.stderr).toMatch(/said nothing for 0.5 s while session.hello was waiting/);
    } finally {
      silent.close();
      await rm(state, { recursive: true, force: true });
    }
  });

  it('refuses a timeout that is not a positive number of seconds', async () => {
    const result = await runCli(['--timeout', 'soon', 'status']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--timeout is a number of seconds/);
  });
});
