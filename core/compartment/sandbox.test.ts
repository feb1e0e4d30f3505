// The bubblewrap options as specifications: what every sandbox gets, and what a level's settings
// change. The attacker's-side proofs are in core/levels/compartment.test.ts.
import { describe, expect, it } from 'vitest';
import { ENV_ALLOWLIST, sandboxArgs, sandboxEnv, type SandboxSpec } from './sandbox.js';

const base: SandboxSpec = {
  argv: ['/usr/bin/xterm'],
  system: { folders: ['/usr', '/etc'], links: [{ path: '/bin', target: 'usr/bin' }] },
  mounts: [
    { fd: 5, dest: '/home/user', mode: 'rw' },
    { fd: 6, dest: '/tmp/.X11-unix/X0', mode: 'ro' },
    { fd: 7, dest: '/run/cloison/Xauthority', mode: 'data' },
  ],
  masked: ['/etc/cloison'],
  network: 'none',
  hostname: 'office',
  env: { HOME: '/home/user', DISPLAY: ':0' },
  cwd: '/home/user',
  infoFd: 4,
};

/** The value following `flag` each time it appears. */
function after(args: string[], flag: string, width = 1): string[][] {
  const out: string[][] = [];
  args.forEach((a, i) => {
    if (a === flag) out.push(args.slice(i + 1, i + 1 + width));
  });
  return out;
}

describe('sandboxArgs', () => {
  const args = sandboxArgs(base);

  describe('for every sandbox', () => {
    it.each([
      ['--unshare-all', 'its own user, PID, IPC, UTS, cgroup and network namespaces'],
      ['--new-session', 'no controlling terminal: no TIOCSTI into the caller’s'],
      ['--die-with-parent', 'killed with the daemon'],
      ['--clearenv', 'none of the daemon’s environment'],
    ])('passes %s (%s)', (flag) => {
      expect(args).toContain(flag);
    });

    it('drops every capability', () => {
      expect(after(args, '--cap-drop')).toEqual([['ALL']]);
    });

    it('binds the system folders read-only, never read-write', () => {
      expect(after(args, '--ro-bind', 2)).toEqual([
        ['/usr', '/usr'],
        ['/etc', '/etc'],
      ]);
      expect(args).not.toContain('--bind');
      expect(args).not.toContain('--dev-bind');
    });

    it('gives a fresh /proc, a minimal /dev and private /tmp and /run', () => {
      expect(after(args, '--proc')).toEqual([['/proc']]);
      expect(after(args, '--dev')).toEqual([['/dev']]);
      expect(after(args, '--tmpfs')).toEqual([['/etc/cloison'], ['/tmp'], ['/run']]);
    });

    it('bounds /tmp, /run and /dev/shm only when asked to', () => {
      expect(args).not.toContain('--size');
      expect(args).not.toContain('--remount-ro');
      const bounded = sandboxArgs({ ...base, tmpBytes: 1 << 20 });
      const sized = bounded.flatMap((a, i) => (a === '--size' ? [bounded.slice(i, i + 4)] : []));
      expect(sized).toEqual(
        ['/tmp', '/run', '/dev/shm'].map((dir) => ['--size', String(1 << 20), '--tmpfs', dir]),
      );
      // A renderer's pages need room in /tmp only: /run and /dev/shm stay small.
      const pages = sandboxArgs({ ...base, tmpBytes: 1 << 28, runBytes: 1 << 20 });
      expect(pages.flatMap((a, i) => (a === '--size' ? [pages.slice(i, i + 4)] : []))).toEqual([
        ['--size', String(1 << 28), '--tmpfs', '/tmp'],
        ['--size', String(1 << 20), '--tmpfs', '/run'],
        ['--size', String(1 << 20), '--tmpfs', '/dev/shm'],
      ]);
    });

    it('makes the root and /dev read-only after every mount, when asked to', () => {
      const ro = sandboxArgs({ ...base, readOnlyRoot: true });
      const at = ro.indexOf('--remount-ro');
      expect(ro.slice(at, at + 4)).toEqual(['--remount-ro', '/', '--remount-ro', '/dev']);
      expect(at).toBeGreaterThan(ro.lastIndexOf('--ro-bind-data'));
    });

    it('mounts /tmp before the display socket that goes into it', () => {
      const tmp = args.findIndex((a, i) => a === '--tmpfs' && args[i + 1] === '/tmp');
      const socket = args.indexOf('/tmp/.X11-unix/X0');
      expect(tmp).toBeGreaterThanOrEqual(0);
      expect(socket).toBeGreaterThan(tmp);
    });

    it('hides what the level must not see behind an empty tmpfs, after the system binds', () => {
      const etc = args.findIndex((a, i) => a === '--ro-bind' && args[i + 1] === '/etc');
      const mask = args.findIndex((a, i) => a === '--tmpfs' && args[i + 1] === '/etc/cloison');
      expect(mask).toBeGreaterThan(etc);
    });

    it('binds host things by descriptor, with the mode asked', () => {
      expect(after(args, '--bind-fd', 2)).toEqual([['5', '/home/user']]);
      expect(after(args, '--ro-bind-fd', 2)).toEqual([['6', '/tmp/.X11-unix/X0']]);
      expect(after(args, '--ro-bind-data', 2)).toEqual([['7', '/run/cloison/Xauthority']]);
    });

    it('sets the level’s hostname, environment, folder and info descriptor', () => {
      expect(after(args, '--hostname')).toEqual([['office']]);
      expect(after(args, '--setenv', 2)).toEqual([
        ['HOME', '/home/user'],
        ['DISPLAY', ':0'],
      ]);
      expect(after(args, '--chdir')).toEqual([['/home/user']]);
      expect(after(args, '--info-fd')).toEqual([['4']]);
    });

    it('leaves the command out: it follows `--` on bwrap’s own command line', () => {
      expect(args).not.toContain('/usr/bin/xterm');
      expect(args).not.toContain('--');
    });
  });

  describe('network', () => {
    it.each([
      ['none', false],
      ['host', true],
    ] as const)('%s: shares the host network: %s', (network, shared) => {
      expect(sandboxArgs({ ...base, network }).includes('--share-net')).toBe(shared);
    });
  });
});

describe('sandboxEnv', () => {
  it('keeps only the allowlist of the host environment, then the compartment’s own', () => {
    const env = sandboxEnv(
      {
        LANG: 'fr_FR.UTF-8',
        DBUS_SESSION_BUS_ADDRESS: 'unix:path=/run/user/1000/bus',
        SSH_AUTH_SOCK: '/tmp/ssh-agent',
        DISPLAY: ':1',
        XAUTHORITY: '/home/me/.Xauthority',
        HOME: '/home/me',
      },
      { HOME: '/home/user', DISPLAY: ':0' },
    );
    expect(env).toEqual({
      PATH: '/usr/local/bin:/usr/bin:/bin',
      LANG: 'fr_FR.UTF-8',
      HOME: '/home/user',
      DISPLAY: ':0',
    });
  });

  it('never lets the host’s display, session bus or agent through the allowlist', () => {
    for (const key of ['DISPLAY', 'XAUTHORITY', 'DBUS_SESSION_BUS_ADDRESS', 'SSH_AUTH_SOCK'])
      expect(ENV_ALLOWLIST).not.toContain(key);
  });
});
