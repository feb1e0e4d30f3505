// The daemon as a system install runs it: sockets in their own folder (/run/cloison), each given to
// its group, and the systemd unit that starts it accepted by systemd itself.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonClient } from '../client/client.js';
import { root, runCli, startDaemon, type TestDaemon } from '../testing/daemon.js';

/** A group of this machine other than the daemon's own (Debian always has these). */
function groupId(name: string): number {
  const line = readFileSync('/etc/group', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  return Number(line!.split(':')[2]);
}

describe('the daemon with the system layout', () => {
  let daemon: TestDaemon;
  let run: string;

  beforeAll(async () => {
    run = mkdtempSync(join(tmpdir(), 'cloison-run-'));
    daemon = await startDaemon({
      wrap: (argv) => [...argv, '--run', run, '--user-group', 'users', '--admin-group', 'adm'],
    });
  });
  afterAll(async () => {
    await daemon?.cleanup();
    await rm(run, { recursive: true, force: true });
  });

  it('puts its sockets in the folder given, each owned by its group and open to it alone', () => {
    const user = statSync(join(run, 'user.sock'));
    const admin = statSync(join(run, 'admin.sock'));
    expect(user.isSocket() && admin.isSocket()).toBe(true);
    expect(user.gid).toBe(groupId('users'));
    expect(admin.gid).toBe(groupId('adm'));
    expect(user.mode & 0o777).toBe(0o660);
    expect(admin.mode & 0o777).toBe(0o660);
  });

  it('is reached there by the CLI, through --run', async () => {
    const client = await DaemonClient.connect(join(run, 'user.sock'));
    expect((await client.call('levels.list', {})).levels.length).toBeGreaterThan(0);
    client.close();
    const viaFlag = await runCli(['--state', daemon.state, '--run', run, 'status']);
    expect(viaFlag.code).toBe(0);
    // And not in the state folder's run/, where nothing listens now.
    const elsewhere = await runCli(['--state', daemon.state, 'status']);
    expect(elsewhere.code).toBe(5);
  });

  it("relays each level's remote display to the user socket's group, and to no one else", async () => {
    const client = await DaemonClient.connect(join(run, 'user.sock'));
    const state = await client.call('levels.start', { level: 'restricted' });
    client.close();
    const relay = state.display!.vncSocket;
    expect(relay).toBe(join(run, 'displays', 'restricted.sock'));
    const st = statSync(relay);
    expect(st.isSocket()).toBe(true);
    expect(st.gid).toBe(groupId('users'));
    expect(st.mode & 0o777).toBe(0o660);
    /** The first bytes a process of this uid and gid reads from the relay, or its error code. */
    const greeting = (uid: number, gid: number) =>
      spawnSync(
        process.execPath,
        [
          '-e',
          `const s = require('net').connect(${JSON.stringify(relay)}); s.once('data', (d) => { console.log(d.toString().trim()); s.destroy(); }); s.on('error', (e) => console.log(e.code));`,
        ],
        { uid, gid, encoding: 'utf8', timeout: 20_000 },
      ).stdout.trim();
    if (process.getuid?.() !== 0) return;
    // A member of the group gets the level's VNC server (its RFB greeting), relayed.
    expect(greeting(65534, groupId('users'))).toMatch(/^RFB 003\.00\d$/u);
    // The control: the same account outside the group is refused.
    expect(greeting(65534, 65534)).toBe('EACCES');
  });

  it("hides a level's display, state and news from a kiosk's users once the kiosk hides it", async () => {
    const client = await DaemonClient.connect(join(run, 'user.sock'));
    const admin = await DaemonClient.connect(join(run, 'admin.sock'));
    const relay = join(run, 'displays', 'restricted.sock');
    const greeting = () =>
      spawnSync(
        process.execPath,
        [
          '-e',
          `const s = require('net').connect(${JSON.stringify(relay)}); s.once('data', (d) => { console.log(d.toString().trim()); s.destroy(); }); s.on('error', (e) => console.log(e.code));`,
        ],
        { uid: 65534, gid: groupId('users'), encoding: 'utf8', timeout: 20_000 },
      ).stdout.trim();
    const original = readFileSync(daemon.configFile, 'utf8');
    try {
      await client.call('levels.start', { level: 'restricted' });
      // A view open before the kiosk came: it must not outlive the change.
      const { connect } = await import('node:net');
      const open = connect(relay);
      const closed = new Promise<void>((resolve) => open.on('close', () => resolve()));
      open.on('error', () => undefined);
      await new Promise((r) => open.once('data', r));
      writeFileSync(daemon.configFile, `${original}\nkiosk:\n  levels: [internet, office]\n`);
      await admin.call('config.reload', {});
      await closed;
      expect(statSync(relay).mode & 0o777).toBe(0o600);
      if (process.getuid?.() === 0) expect(greeting()).toBe('EACCES');
      // Neither its state nor its name reach the user socket; the admin socket still has them.
      const listed = (await client.call('levels.list', {})).levels.map((l) => l.id);
      expect(listed).toEqual(['internet', 'office']);
      expect((await client.call('levels.status', {})).levels.map((l) => l.level)).not.toContain(
        'restricted',
      );
      await expect(client.call('levels.status', { level: 'restricted' })).rejects.toMatchObject({
        code: 'NOT_ALLOWED',
      });
      expect((await admin.call('levels.status', { level: 'restricted' })).levels[0]!.running).toBe(
        true,
      );
      // Offered again: the group reaches it again (the control).
      writeFileSync(daemon.configFile, original);
      await admin.call('config.reload', {});
      expect(statSync(relay).mode & 0o777).toBe(0o660);
      if (process.getuid?.() === 0) expect(greeting()).toMatch(/^RFB 003\.00\d$/u);
    } finally {
      writeFileSync(daemon.configFile, original);
      await admin.call('config.reload', {}).catch(() => undefined);
      client.close();
      admin.close();
    }
  });

  it('refuses to start with a group that does not exist, naming it', () => {
    const state = mkdtempSync(join(tmpdir(), 'cloison-state-'));
    const result = spawnSync(
      process.execPath,
      [
        join(root, 'dist/core/daemon/cloisond.js'),
        '--state',
        state,
        '--user-group',
        'no-such-group',
      ],
      { encoding: 'utf8', timeout: 20_000 },
    );
    // EX_CONFIG: the unit does not restart it in a loop (RestartPreventExitStatus=78).
    expect(result.status).toBe(78);
    expect(result.stderr).toMatch(/There is no group "no-such-group"/);
  });
});

describe('the systemd unit', () => {
  const unit = readFileSync(join(root, 'deploy/systemd/cloisond.service'), 'utf8');
  /** systemd-analyze checks that ExecStart's program exists: the unit as installed under `prefix`. */
  const verify = (text: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'cloison-unit-'));
    writeFileSync(join(dir, 'cloisond.service'), text.replaceAll('/usr/lib/cloison', root));
    const result = spawnSync('systemd-analyze', ['verify', join(dir, 'cloisond.service')], {
      encoding: 'utf8',
    });
    return { code: result.status, errors: result.stderr };
  };

  it('passes systemd-analyze verify, with nothing to say', () => {
    // systemd-analyze exits 0 on a value it ignores: silence is the check.
    expect(verify(unit)).toEqual({ code: 0, errors: '' });
  });

  it('is one systemd would refuse if it were wrong (the control)', () => {
    const broken = verify(unit.replace('ProtectSystem=strict', 'ProtectSystem=very'));
    expect(broken.errors).toMatch(/Failed to parse protect system value/);
    const missing = verify(
      unit.replace('/usr/lib/cloison/bin/cloisond', '/usr/lib/cloison/bin/nope'),
    );
    expect(missing.code).not.toBe(0);
  });

  it.skipIf(process.getuid?.() !== 0)(
    'mounts nothing over /proc, where bubblewrap could then not mount its own',
    () => {
      // What ProtectKernelTunables= does (a read-only /proc/sys over /proc), then a compartment's
      // bwrap: the kernel refuses its fresh /proc. The same bwrap without it is the control.
      const bwrap =
        'setpriv --reuid=65534 --regid=65534 --clear-groups bwrap --unshare-all --ro-bind / / --proc /proc --dev /dev true';
      const run = (prefix: string) =>
        spawnSync('unshare', ['-m', 'sh', '-c', `${prefix}${bwrap}`], { encoding: 'utf8' });
      expect(run('').status).toBe(0);
      const over = run(
        'mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys && ',
      );
      expect(over.status).not.toBe(0);
      expect(over.stderr).toMatch(/Can't mount proc/);
      for (const directive of [
        'ProtectKernelTunables',
        'ProtectKernelLogs',
        'ProtectProc',
        'ProcSubset',
      ])
        expect(unit).not.toMatch(new RegExp(`^${directive}=`, 'm'));
    },
  );

  it('keeps what bubblewrap needs: user namespaces, no setuid', () => {
    expect(unit).not.toMatch(/^RestrictNamespaces=/m);
    expect(unit).not.toMatch(/^PrivateUsers=yes/m);
    expect(unit).toMatch(/^NoNewPrivileges=yes$/m);
    expect(unit).toMatch(/^ProtectSystem=strict$/m);
    // Its seccomp filter refuses sethostname() in each compartment's own UTS namespace too (bwrap
    // --hostname); core/daemon/systemd-boot.test.ts starts a level under systemd to show it.
    expect(unit).not.toMatch(/^ProtectHostname=yes/m);
    // The program it starts is the one the package ships.
    expect(execFileSync('test', ['-x', join(root, 'bin/cloisond')]).length).toBe(0);
  });
});
