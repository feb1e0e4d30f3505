// Kiosk mode through the daemon's API, with real compartments and displays: what the kiosk forbids
// is refused on the user socket whoever asks; an autostart app killed from outside comes back in its
// level, and after repeated ends is given up; the idle reset wipes the ephemeral level's home,
// empties the broker's clipboard buffer, closes administrators' logins, cancels the transfers left
// waiting, and starts the autostart apps again; a level the kiosk hides is reached by no call.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonClient } from '../client/client.js';
import type { AppProcess, Event } from '../contract/methods.js';
import { startDaemon, type TestDaemon } from '../testing/daemon.js';
import { hashPassphrase } from '../admin/passphrase.js';

const ALICE = 'correct horse battery';

const config = (hash: string) => `
administration:
  accounts: [{ name: alice, role: admin, passphrase: "${hash}" }]
broker:
  compartments: { tmpBytes: 8388608 }
levels:
  - id: public
    label: Public
    colour: "#aa0000"
    rank: 0
    ephemeral: true
    apps:
      - { id: kiosk-app, label: Kiosk app, type: native, argv: [sleep, "3001"] }
      - { id: other, label: Other, type: native, argv: [sleep, "3002"] }
  - id: office
    label: Office
    colour: "#00aa00"
    rank: 1
    apps:
      - { id: notes, label: Notes, type: native, argv: [sleep, "3003"] }
      - { id: missing, label: Missing, type: native, argv: [/nonexistent/prog] }
  - id: hidden
    label: Hidden
    colour: "#0000aa"
    rank: 2
kiosk:
  levels: [public, office]
  autostart: [{ level: public, app: kiosk-app }, { level: office, app: missing }]
  idleSeconds: 2
  restart: { maxRestarts: 2, windowSeconds: 600 }
rules:
  - { id: text-up, kind: clipboard, from: "*", to: up, types: [text/plain], action: allow, sanitise: plain-text }
  - { id: notes-up, kind: file, from: "*", to: up, types: [text/plain], action: ask }
`;

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('kiosk mode in the daemon', () => {
  let daemon: TestDaemon;
  let user: DaemonClient;
  let admin: DaemonClient;
  const events: Event[] = [];

  const kioskApp = async (): Promise<AppProcess | undefined> => {
    const [state] = (await user.call('levels.status', { level: 'public' })).levels;
    return state?.apps.find((a) => a.app === 'kiosk-app' && a.state === 'running');
  };
  const nextEvent = async (match: (e: Event) => boolean, after: number) =>
    until('an event', async () => events.slice(after).find(match));

  beforeAll(async () => {
    daemon = await startDaemon({ config: config(await hashPassphrase(ALICE)) });
    user = await daemon.client('user');
    admin = await daemon.client('admin');
    await user.call('events.subscribe', {});
    user.onEvent((e) => events.push(e as Event));
  });

  afterAll(async () => {
    user?.close();
    admin?.close();
    await daemon?.cleanup();
  });

  it('starts the autostart app by itself and tells the shell what it offers', async () => {
    await until('the autostart app', kioskApp);
    await until('the missing program given up', async () =>
      (await user.call('kiosk.status', {})).failures.length > 0 ? true : undefined,
    );
    expect(await user.call('kiosk.status', {})).toEqual({
      enabled: true,
      levels: ['public', 'office'],
      startLevel: 'public',
      launchable: { public: ['kiosk-app'], office: ['missing'] },
      idleSeconds: 2,
      // The autostart app whose program does not exist: shown as a failure, not only logged.
      failures: [expect.objectContaining({ level: 'office', app: 'missing', crashes: 0 })],
    });
  });

  describe('when the user socket asks for what the kiosk forbids', () => {
    it.each([
      ['an app the kiosk does not start', 'public', 'other', '"other" of level "public"'],
      ['an app of an offered level with userLaunch off', 'office', 'notes', '"notes"'],
      [
        'an app of a level it does not offer',
        'hidden',
        'anything',
        'does not offer level "hidden"',
      ],
    ])('refuses %s with NOT_ALLOWED', async (_name, level, app, words) => {
      await expect(user.call('apps.launch', { level, app })).rejects.toMatchObject({
        code: 'NOT_ALLOWED',
        message: expect.stringContaining(words),
      });
    });

    it('refuses its user a stop, of a level or of the app it runs, and a second copy of that app', async () => {
      const app = await until('the autostart app', kioskApp);
      for (const [call, words] of [
        [
          user.call('apps.stop', { level: 'public', id: app.id }),
          `app "${app.id}" is not for its user to stop`,
        ],
        [
          user.call('levels.stop', { level: 'public' }),
          'level "public" is not for its user to stop',
        ],
        [user.call('apps.stop', { level: 'hidden', id: 'a-x' }), 'does not offer level "hidden"'],
        [user.call('apps.launch', { level: 'public', app: 'kiosk-app' }), 'runs already'],
      ] as const) {
        await expect(call).rejects.toMatchObject({
          code: 'NOT_ALLOWED',
          message: expect.stringContaining(words),
        });
      }
      // It still runs, alone.
      const [state] = (await user.call('levels.status', { level: 'public' })).levels;
      expect(state!.apps.filter((a) => a.app === 'kiosk-app' && a.state === 'running')).toEqual([
        expect.objectContaining({ id: app.id }),
      ]);
    });

    it('refuses to start a level it does not offer, and runs nothing of it', async () => {
      await expect(user.call('levels.start', { level: 'hidden' })).rejects.toMatchObject({
        code: 'NOT_ALLOWED',
      });
      // Nor is its state the user's to read; the administrator's says it runs nothing.
      await expect(user.call('levels.status', { level: 'hidden' })).rejects.toMatchObject({
        code: 'NOT_ALLOWED',
      });
      expect((await admin.call('levels.status', { level: 'hidden' })).levels[0]!.running).toBe(
        false,
      );
      expect(
        (await user.call('levels.status', { level: 'public' })).levels[0]!.apps,
      ).not.toContainEqual(expect.objectContaining({ app: 'other' }));
    });

    it('lets no call reach a level it hides: files, clipboard, logs', async () => {
      for (const call of [
        user.call('files.list', { level: 'hidden', path: '' }),
        user.call('files.preview', { from: 'public', to: 'hidden', paths: ['x.txt'] }),
        user.call('files.send', { from: 'public', to: 'hidden', paths: ['x.txt'] }),
        user.call('clipboard.capture', { from: 'hidden' }),
        user.call('clipboard.paste', { to: 'hidden' }),
        user.call('levels.log', { level: 'hidden', count: 10 }),
      ]) {
        await expect(call).rejects.toMatchObject({
          code: 'NOT_ALLOWED',
          message: expect.stringContaining('does not offer level "hidden"'),
        });
      }
      // The control: an offered level is listed.
      expect((await user.call('files.list', { level: 'office', path: '' })).level).toBe('office');
    });

    it('keeps transfers to a hidden level out of the user’s transfer list', async () => {
      await writeFile(join(daemon.home('office'), 'to-hidden.txt'), 'for the hidden level\n');
      // An administrator's login on the user socket, which the kiosk does not bind.
      const administrator = await daemon.client('user');
      await administrator.call('session.login', { account: 'alice', passphrase: ALICE });
      const sent = await administrator.call('files.send', {
        from: 'office',
        to: 'hidden',
        paths: ['to-hidden.txt'],
      });
      try {
        // The control: the administrator lists it.
        expect(
          (await administrator.call('transfers.list', {})).transfers.map((t) => t.id),
        ).toContain(sent.id);
        expect((await user.call('transfers.list', {})).transfers.map((t) => t.id)).not.toContain(
          sent.id,
        );
        await expect(user.call('transfers.get', { id: sent.id })).rejects.toMatchObject({
          code: 'NO_SUCH_TRANSFER',
        });
      } finally {
        await administrator.call('transfers.cancel', { id: sent.id }).catch(() => undefined);
        administrator.close();
      }
    });

    it('keeps a hidden level out of what the user hears: no listing, no status, no events', async () => {
      const from = events.length;
      await admin.call('levels.start', { level: 'hidden' });
      try {
        await admin.call('compartments.run', { level: 'hidden', argv: ['sleep', '3005'] });
        expect((await user.call('levels.list', {})).levels.map((l) => l.id)).toEqual([
          'public',
          'office',
        ]);
        expect((await user.call('levels.status', {})).levels.map((l) => l.level)).not.toContain(
          'hidden',
        );
        // The control: the administrator's socket sees it run.
        expect((await admin.call('levels.status', { level: 'hidden' })).levels[0]!.running).toBe(
          true,
        );
      } finally {
        await admin.call('levels.stop', { level: 'hidden' });
      }
      await new Promise((r) => setTimeout(r, 300));
      expect(
        events.slice(from).filter((e) => e.type === 'level.updated' && e.level.level === 'hidden'),
      ).toEqual([]);
    });

    it('still lets the administrator socket do it (the control)', async () => {
      const run = await admin.call('compartments.run', {
        level: 'office',
        argv: ['sleep', '3004'],
      });
      expect(run.state).toBe('running');
      await admin.call('apps.stop', { level: 'office', id: run.id });
    });
  });

  describe('self-healing', () => {
    it('shows an autostart app that cannot even start as a failure, with the reason', async () => {
      const failure = await until('the failure of the missing program', async () =>
        (await user.call('kiosk.status', {})).failures.find((f) => f.app === 'missing'),
      );
      expect(failure).toMatchObject({ level: 'office', crashes: 0 });
      expect(failure.message).toMatch(/could not be started: .*\/nonexistent\/prog/u);
    });

    it('restarts an autostart app killed from outside in its level, then gives up after repeated ends', async () => {
      const first = await until('the autostart app', kioskApp);
      let mark = events.length;
      process.kill(first.pid!, 'SIGKILL');
      const restarted = await nextEvent((e) => e.type === 'kiosk.app', mark);
      expect(restarted).toMatchObject({
        level: 'public',
        app: 'kiosk-app',
        outcome: 'restarted',
        crashes: 1,
      });
      const second = await until('the restarted app', async () => {
        const app = await kioskApp();
        return app && app.id !== first.id ? app : undefined;
      });
      expect(second.level).toBe('public');
      expect(second.launchedBy).toContain('restart after it ended');

      mark = events.length;
      process.kill(second.pid!, 'SIGKILL');
      await nextEvent((e) => e.type === 'kiosk.app' && e.crashes === 2, mark);
      const third = await until('the app restarted again', async () => {
        const app = await kioskApp();
        return app && app.id !== second.id ? app : undefined;
      });

      mark = events.length;
      process.kill(third.pid!, 'SIGKILL');
      const gaveUp = await nextEvent((e) => e.type === 'kiosk.app' && e.crashes === 3, mark);
      expect(gaveUp).toMatchObject({
        outcome: 'failed',
        message: expect.stringContaining('ended 3 times within 600 s'),
      });
      const status = await user.call('kiosk.status', {});
      expect(status.failures.filter((f) => f.app === 'kiosk-app')).toEqual([
        expect.objectContaining({ level: 'public', app: 'kiosk-app', crashes: 3 }),
      ]);
      expect(await kioskApp()).toBeUndefined();
      const audit = await admin.call('audit.search', { event: 'kiosk.gave-up' });
      expect(audit.entries.filter((e) => e.app === 'kiosk-app')).toHaveLength(1);
    });
  });

  describe('the idle reset', () => {
    it('wipes the ephemeral level’s home, empties the clipboard buffer and starts the session again', async () => {
      // The level runs (a relaunch of the given-up app clears its failure, as the error page's
      // "Try again" does); a file in its home and content captured in the broker's buffer.
      await user.call('apps.launch', { level: 'public', app: 'kiosk-app' });
      expect(
        (await user.call('kiosk.status', {})).failures.filter((f) => f.app === 'kiosk-app'),
      ).toEqual([]);
      const before = await until('the app', kioskApp);
      const leftover = join(
        daemon.home({ id: 'public', ephemeral: true }),
        'left-by-the-last-person.txt',
      );
      await writeFile(leftover, 'private');
      await admin.call('compartments.run', {
        level: 'public',
        argv: ['/bin/sh', '-c', "printf 'card number' | xclip -selection clipboard -i -quiet"],
      });
      const captured = await until('the capture', async () =>
        user.call('clipboard.capture', { from: 'public' }).then(
          (c) => c,
          () => undefined,
        ),
      );
      expect(captured.items[0]!.size).toBeGreaterThan(0);

      expect(existsSync(leftover)).toBe(true);
      // The last person's request waiting for its confirmation, and an administrator's login.
      await writeFile(join(daemon.home({ id: 'public', ephemeral: true }), 'notes.txt'), 'mine\n');
      const waiting = await user.call('files.send', {
        from: 'public',
        to: 'office',
        paths: ['notes.txt'],
      });
      expect(waiting.status).toBe('waiting-for-user');
      const adminShell = await daemon.client('user');
      await adminShell.call('session.login', { account: 'alice', passphrase: ALICE });
      expect((await adminShell.call('session.whoami', {})).login?.account).toBe('alice');
      const mark = events.length;
      expect(await user.call('kiosk.activity', {})).toEqual({ idleSeconds: 2 });
      const reset = await nextEvent((e) => e.type === 'kiosk.reset', mark);
      expect(reset).toMatchObject({ startLevel: 'public', reason: 'no activity for 2 s' });

      expect(existsSync(leftover)).toBe(false);
      await expect(user.call('clipboard.paste', { to: 'office' })).rejects.toMatchObject({
        code: 'CLIPBOARD_EMPTY',
      });
      const after = await until('the autostart app after the reset', async () => {
        const app = await kioskApp();
        return app && app.id !== before.id ? app : undefined;
      });
      expect(after.launchedBy).toContain('autostart');
      const audit = await admin.call('audit.search', { event: 'kiosk.reset' });
      expect(audit.entries.at(-1)).toMatchObject({
        wiped: ['public'],
        clipboardBuffers: 1,
        loginsClosed: 1,
        transfersCancelled: 1,
      });
      // Nothing of the last person to answer, and no administrator left logged in.
      expect((await user.call('transfers.get', { id: waiting.id })).status).toBe('cancelled');
      expect(await adminShell.call('session.whoami', {})).not.toHaveProperty('login');
      adminShell.close();
    });
  });
});
