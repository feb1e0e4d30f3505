// Roles, from the outside: the user socket reaches no administration without the passphrase step,
// an auditor only reads, an administrator changes configuration and decides approvals but never
// runs commands inside a level from the shell, a wrong passphrase is refused and slows the next
// attempts, and an idle session closes by itself. Real daemon, real sockets, real scrypt.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonClient } from '../client/client.js';
import { CloisonError } from '../contract/errors.js';
import { tailAudit } from '../audit/index.js';
import { startDaemon, type TestDaemon } from '../testing/daemon.js';
import { testConfig } from '../testing/configs.js';
import { failureDelay, Logins } from './logins.js';
import { hashPassphrase, NO_ACCOUNT_HASH, verifyPassphrase } from './passphrase.js';

async function failure(call: Promise<unknown>): Promise<CloisonError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CloisonError);
  return err as CloisonError;
}

describe('passphrases', () => {
  it('verifies the passphrase a hash was made from, and no other', async () => {
    const hash = await hashPassphrase('correct horse battery');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await verifyPassphrase('correct horse battery', hash)).toBe(true);
    expect(await verifyPassphrase('correct horse batterY', hash)).toBe(false);
    expect(await verifyPassphrase('', hash)).toBe(false);
    // Two hashes of one passphrase differ (a salt each).
    expect(await hashPassphrase('correct horse battery')).not.toBe(hash);
  });

  it.each([
    ['not scrypt', 'bcrypt$1$2$3$abc$def'],
    ['missing fields', 'scrypt$32768$8'],
    ['an absurd cost', `scrypt$${2 ** 24}$8$1$AAAAAAAAAAAAAAAAAAAAAA==$${'A'.repeat(43)}=`],
    ['a short hash', 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAA'],
  ])('matches nothing against a stored value with %s', async (_what, stored) => {
    expect(await verifyPassphrase('anything at all', stored)).toBe(false);
  });

  it('matches nothing against the unknown account’s hash', async () => {
    expect(await verifyPassphrase('', NO_ACCOUNT_HASH)).toBe(false);
  });

  it('refuses to hash a passphrase under 12 characters', async () => {
    await expect(hashPassphrase('short')).rejects.toThrow(/12 characters/);
  });
});

describe('logins', () => {
  it.each([
    [0, 0],
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [6, 30_000],
    [40, 30_000],
  ])('after %i failures in a row, waits %i ms', (failures, ms) => {
    expect(failureDelay(failures, 1000)).toBe(ms);
  });

  it('slows the attempts after a failure, answers unknown accounts alike, and forgets on success', async () => {
    const hash = await hashPassphrase('the right passphrase');
    const slept: number[] = [];
    const logins = new Logins(
      () => ({
        accounts: [{ name: 'alice', role: 'admin', passphrase: hash }],
        idleMinutes: 15,
        failureDelayMs: 500,
      }),
      async (ms) => {
        slept.push(ms);
      },
    );
    const wrong = await failure(logins.open('alice', 'wrong'));
    expect(wrong.code).toBe('LOGIN_FAILED');
    const unknown = await failure(logins.open('mallory', 'wrong'));
    expect(unknown.message).toBe(wrong.message);
    await failure(logins.open('alice', 'wrong again'));
    const login = await logins.open('alice', 'the right passphrase');
    expect(login).toMatchObject({ account: 'alice', role: 'admin' });
    await failure(logins.open('alice', 'wrong'));
    // alice: none, after 1 failure 500, after 2 failures 1000, then none again after the success;
    // mallory's count is his own.
    expect(slept).toEqual([0, 0, 500, 1000, 0]);
  });
});

describe('roles', () => {
  let daemon: TestDaemon;
  const ALICE = 'alice passphrase, long enough';
  const AUDREY = 'audrey passphrase, long enough';

  beforeAll(async () => {
    const accounts = [
      `    - { name: alice, role: admin, passphrase: "${await hashPassphrase(ALICE)}" }`,
      `    - { name: audrey, role: auditor, passphrase: "${await hashPassphrase(AUDREY)}" }`,
    ].join('\n');
    daemon = await startDaemon({
      config: `administration:\n  idleMinutes: 0.05\n  failureDelayMs: 400\n  accounts:\n${accounts}\n${testConfig}`,
    });
  });
  afterAll(async () => {
    await daemon?.cleanup();
  });

  const withUser = async <T>(fn: (c: DaemonClient) => Promise<T>): Promise<T> => {
    const client = await daemon.client('user', 'bob');
    try {
      return await fn(client);
    } finally {
      client.close();
    }
  };

  it('serves no administration method on the user socket without a login', async () => {
    await withUser(async (user) => {
      for (const call of [
        user.call('approvals.list', {}),
        user.call('config.reload', {}),
        user.call('audit.tail', { count: 5 }),
        user.call('audit.verify', {}),
      ]) {
        const err = await failure(call);
        expect(err.code).toBe('NOT_ALLOWED');
        expect(err.message).toMatch(/open one first/);
      }
      const who = await user.call('session.whoami', {});
      expect(who).not.toHaveProperty('login');
      // Who connected, by the kernel's word: this test's own process.
      expect(who.peer).toEqual({
        pid: process.pid,
        uid: process.getuid!(),
        gid: process.getgid!(),
      });
    });
  });

  it('refuses a wrong passphrase, and answers the next attempt only after the delay', async () => {
    await withUser(async (user) => {
      const first = await failure(
        user.call('session.login', { account: 'alice', passphrase: 'x' }),
      );
      expect(first.code).toBe('LOGIN_FAILED');
      const started = Date.now();
      await failure(user.call('session.login', { account: 'alice', passphrase: 'y' }));
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
      // Still nothing open.
      expect((await failure(user.call('approvals.list', {}))).code).toBe('NOT_ALLOWED');
    });
    const entries = await tailAudit(daemon.paths.audit, 50);
    const refused = entries.filter((e) => e.event === 'admin.login.refused');
    expect(refused.length).toBeGreaterThanOrEqual(2);
    expect(refused.at(-1)).toMatchObject({ account: 'alice', failures: 2 });
  });

  it('lets an auditor read the audit log and nothing else of administration', async () => {
    await withUser(async (user) => {
      // Wait out the delay earned by the failures above.
      await new Promise((r) => setTimeout(r, 1700));
      const login = await user.call('session.login', { account: 'audrey', passphrase: AUDREY });
      expect(login).toMatchObject({ account: 'audrey', role: 'auditor' });
      expect((await user.call('audit.verify', {})).ok).toBe(true);
      expect((await user.call('audit.tail', { count: 5 })).entries.length).toBeGreaterThan(0);
      for (const call of [user.call('approvals.list', {}), user.call('config.reload', {})]) {
        const err = await failure(call);
        expect(err.code).toBe('NOT_ALLOWED');
        expect(err.message).toMatch(/auditor/);
      }
    });
  });

  it('lets an administrator reload and list approvals, audited by account, but not run commands in a level', async () => {
    await withUser(async (user) => {
      await user.call('session.login', { account: 'alice', passphrase: ALICE });
      expect((await user.call('approvals.list', {})).approvals).toEqual([]);
      await user.call('config.reload', {});
      const run = await failure(
        user.call('compartments.run', { level: 'low', argv: ['/bin/cat', '/home/user/x'] }),
      );
      expect(run.code).toBe('WRONG_SOCKET');
      // The user's own methods stay the user's.
      expect((await user.call('levels.list', {})).levels.length).toBe(3);
    });
    const entries = await tailAudit(daemon.paths.audit, 20);
    expect(entries.find((e) => e.event === 'admin.login' && e.role === 'admin')).toMatchObject({
      shellUser: 'bob',
    });
    expect(entries.find((e) => e.event === 'config.reloaded')?.actor).toMatch(
      /^alice \[admin\] \(user-\d+\)$/,
    );
  });

  it('closes an idle session by itself, tells the connection, and audits it', async () => {
    await withUser(async (user) => {
      await user.call('events.subscribe', {});
      const closed = new Promise((resolve) =>
        user.onEvent((e) => {
          if ((e as { type?: string }).type === 'session.closed') resolve(e);
        }),
      );
      await user.call('session.login', { account: 'alice', passphrase: ALICE });
      expect((await user.call('approvals.list', {})).approvals).toEqual([]);
      // idleMinutes 0.05: three seconds without an administration call.
      expect(await closed).toMatchObject({ reason: 'idle for 0.05 minutes' });
      expect((await failure(user.call('approvals.list', {}))).code).toBe('NOT_ALLOWED');
    });
    const entries = await tailAudit(daemon.paths.audit, 20);
    const logouts = entries.filter((e) => e.event === 'admin.logout');
    expect(logouts.at(-1)).toMatchObject({ reason: 'idle for 0.05 minutes' });
    expect(logouts.at(-1)?.actor).toMatch(/^alice \(user-\d+\)$/);
  });

  it('gives an auditor the search and the live tail of the audit log', async () => {
    await withUser(async (user) => {
      await user.call('events.subscribe', {});
      const entries: { event: string; actor: string }[] = [];
      user.onEvent((e) => {
        const event = e as { type?: string; entry?: { event: string; actor: string } };
        if (event.type === 'audit.entry' && event.entry) entries.push(event.entry);
      });
      await user.call('session.login', { account: 'audrey', passphrase: AUDREY });
      // Something happens elsewhere: another user's denied transfer.
      const other = await daemon.client('user', 'carol');
      await other
        .call('clipboard.send', {
          from: 'high',
          to: 'low',
          items: [{ type: 'text/plain', data: Buffer.from('down').toString('base64') }],
        })
        .catch(() => undefined);
      other.close();
      await new Promise((r) => setTimeout(r, 200));
      expect(entries.map((e) => e.event)).toContain('transfer.denied');
      const found = await user.call('audit.search', { decision: 'deny', actor: 'carol' });
      expect(found.entries.length).toBeGreaterThanOrEqual(1);
      for (const entry of found.entries) {
        expect(entry.decision).toBe('deny');
        expect(entry.actor).toMatch(/carol/);
      }
      // The same from the CLI: --by filters (the global --actor would say who the caller is).
      const cli = await daemon.cli(['--json', 'audit', 'search', '--by', 'carol']);
      expect(cli.code).toBe(0);
      const listed = cli.text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { actor: string });
      expect(listed.length).toBeGreaterThanOrEqual(1);
      for (const entry of listed) expect(entry.actor).toMatch(/carol/);
      const one = await user.call('audit.search', { event: 'admin', limit: 1 });
      expect(one.entries).toHaveLength(1);
      expect(one.more).toBe(true);
    });
    // A session with neither the admin socket nor a login gets no entries pushed.
    await withUser(async (plain) => {
      await plain.call('events.subscribe', {});
      const pushed: unknown[] = [];
      plain.onEvent((e) => {
        if ((e as { type?: string }).type === 'audit.entry') pushed.push(e);
      });
      await plain.call('levels.start', { level: 'low' }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 200));
      expect(pushed).toEqual([]);
    });
  });

  it('opens the same step from the CLI, with the passphrase on stdin', async () => {
    const ok = await daemon.cli(['--login', 'audrey', '--json', 'audit', 'tail', '-n', '3'], {
      stdin: `${AUDREY}\n`,
    });
    expect(ok.code).toBe(0);
    // JSON Lines: one entry a line.
    expect(
      ok.text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown),
    ).toHaveLength(3);
    const wrong = await daemon.cli(['--login', 'audrey', 'audit', 'tail'], {
      stdin: 'not it\n',
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/Wrong account or passphrase/);
  });
});
