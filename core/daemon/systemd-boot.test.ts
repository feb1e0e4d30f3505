// The shipped units run by a real systemd: the machine's own systemd booted as PID 1 of a namespace
// (core/testing/systemd-boot.ts), the package installed there as the .deb would (electron-builder's
// extraFiles at /opt/Cloison, its postinst run for real over an overlay of /etc), then cloisond.service
// serving its sockets to their groups, starting a level under its sandboxing, restarted after a
// SIGKILL and reloaded by systemctl; then the kiosk unit; then the postrm; then nothing left behind.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root } from '../testing/daemon.js';
import { BootedSystemd, cannotBoot } from '../testing/systemd-boot.js';

const reason = cannotBoot();
if (reason) console.log(`systemd-boot.test.ts skipped: ${reason}`);

/** Where the .deb puts the packaged app (electron-builder's /opt/${productName}). */
const app = '/opt/Cloison';

interface ExtraFile {
  from: string;
  to: string;
}

const hostFiles = ['/etc/passwd', '/etc/group', '/etc/shadow', '/etc/gshadow'];
const fingerprint = () =>
  hostFiles.map((f) => createHash('sha256').update(readFileSync(f)).digest('hex')).join(' ');

describe.skipIf(reason !== undefined)(
  'the units under a real systemd',
  { timeout: 120_000 },
  () => {
    let sd: BootedSystemd;
    const before = reason ? '' : fingerprint();
    /** The CLI as `account`, on the system's sockets. */
    const cli = (account: string, args: string) =>
      sd.run([
        'sh',
        '-c',
        `exec setpriv --reuid=${account} --regid=${account} --init-groups ${'/usr/lib/cloison/bin/cloison'} --run /run/cloison ${args}`,
      ]);
    const show = (unit: string, property: string) =>
      sd.sh(`systemctl show -P ${property} ${unit}`).trim();
    /** Polls a condition inside the namespace: systemd restarts after RestartSec, not at once. */
    const until = async (what: string, check: () => boolean) => {
      for (let i = 0; i < 200; i++) {
        if (check()) return;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`never: ${what}\n${sd.run(['journalctl', '--no-pager', '-n', '60']).stdout}`);
    };

    beforeAll(async () => {
      sd = await BootedSystemd.boot();
      // What the .deb carries, where it carries it: each of extraFiles bound read-only (the filters,
      // which only leave out test files and Electron, are not applied).
      const config = JSON.parse(readFileSync(join(root, 'electron-builder.json'), 'utf8')) as {
        extraFiles: ExtraFile[];
      };
      // The daemon's libraries as `npm run dist` stages them: the production ones only, so that
      // the daemon is shown to run without the development tools the repository also has.
      // (In the repository's own scratch folder: the namespace's /tmp is a tmpfs of its own.)
      mkdirSync(join(root, '.vitest-tmp'), { recursive: true });
      const modules = mkdtempSync(join(root, '.vitest-tmp', 'deb-modules-'));
      staged.push(modules);
      const made = spawnSync(
        process.execPath,
        [join(root, 'tools/daemon-modules.mjs'), join(modules, 'node_modules')],
        { encoding: 'utf8' },
      );
      expect(made.status, made.stderr).toBe(0);
      for (const { from, to } of config.extraFiles) {
        const source =
          from === 'out/daemon-modules' ? join(modules, 'node_modules') : join(root, from);
        const target = join(app, to);
        sd.sh(
          `if [ -d '${source}' ]; then mkdir -p '${target}'; else mkdir -p "$(dirname '${target}')"; touch '${target}'; fi
         mount --bind -o ro '${source}' '${target}'`,
        );
      }
      // The accounts of the test: a member of the user socket's group, one of the admin socket's,
      // and one of neither.
      sd.sh(`addgroup --system cloison-users >/dev/null; addgroup --system cloison-admins >/dev/null
      for a in alice bob carol; do adduser --system --group --no-create-home $a >/dev/null 2>&1; done
      adduser alice cloison-users >/dev/null; adduser carol cloison-admins >/dev/null`);
    }, 180_000);
    const staged: string[] = [];
    afterAll(async () => {
      await sd?.shutdown();
      for (const dir of staged) rmSync(dir, { recursive: true, force: true });
    }, 120_000);

    it('installs with the .deb postinst: accounts, groups, the link, the units, enabled and started', async () => {
      const postinst = sd.run(['sh', join(root, 'deploy/deb/postinst.sh'), 'configure']);
      expect(postinst.stderr).not.toMatch(/Failed|error/i);
      expect(postinst.code).toBe(0);
      expect(sd.sh('readlink /usr/lib/cloison').trim()).toBe(app);
      // On the PATH: the command line as `cloison` (the README's commands), the shell as
      // `cloison-shell` (electron-builder's own after-install, which postinst replaces, linked it).
      expect(sd.sh('readlink /usr/bin/cloison').trim()).toBe(`${app}/bin/cloison`);
      expect(sd.sh('readlink /usr/bin/cloison-shell').trim()).toBe(`${app}/cloison`);
      expect(sd.run(['cloison', '--help']).stdout).toMatch(/cloison/);
      expect(sd.sh('id -nG cloison').trim().split(' ').sort()).toEqual(
        ['cloison', 'cloison-admins', 'cloison-users'].sort(),
      );
      expect(sd.sh('id -nG cloison-kiosk').trim().split(' ').sort()).toEqual(
        ['cloison-kiosk', 'cloison-users'].sort(),
      );
      expect(
        sd.sh('stat -c "%a %U %G" /etc/cloison /etc/cloison/config.yaml /etc/cloison/rules.d'),
      ).toBe('1770 root cloison\n660 cloison cloison\n750 root cloison\n');
      expect(show('cloisond.service', 'UnitFileState')).toBe('enabled');
      await until('cloisond active and serving', () => cli('alice', 'status').code === 0);
      expect(show('cloisond.service', 'ActiveState')).toBe('active');
      // The host's own account files are untouched: the accounts went into the overlay.
      expect(fingerprint()).toBe(before);
    });

    it('serves the user socket to the group cloison-users, and to no one else', () => {
      const status = cli('alice', 'status');
      expect(status.stdout).toMatch(
        /^cloisond \d+\.\d+\.\d+ \(pid \d+\), state \/var\/lib\/cloison$/m,
      );
      expect(status.stdout).toMatch(/^configuration \/etc\/cloison\/config\.yaml, sha256 /m);
      const levels = cli('alice', 'levels');
      expect(levels.code).toBe(0);
      expect(levels.stdout).toMatch(/^restricted\s+rank 2\s+Restricted/m);
      const stranger = cli('bob', 'status');
      expect(stranger.code).toBe(5);
      expect(stranger.stderr).toMatch(/user\.sock: permission denied/);
      expect(sd.sh('stat -c "%U %G %a" /run/cloison/user.sock /run/cloison/admin.sock')).toBe(
        'cloison cloison-users 660\ncloison cloison-admins 660\n',
      );
    });

    it('refuses the admin socket to a user, and serves it to the group cloison-admins', () => {
      const user = cli('alice', 'reload');
      expect(user.code).toBe(5);
      expect(user.stderr).toMatch(
        /admin\.sock: permission denied: this account may not use that socket/,
      );
      const admin = cli('carol', 'reload');
      expect(admin.stderr).toBe('');
      expect(admin.code).toBe(0);
    });

    it("starts a level: real bubblewrap compartments inside the unit's sandbox", async () => {
      const start = cli('alice', 'levels start restricted');
      expect(start.stderr).toBe('');
      expect(start.stdout.trim()).toBe('restricted: running');
      const launch = cli('alice', 'apps launch --level restricted terminal');
      expect(launch.stderr).toBe('');
      const pid = Number(/pid (\d+)/.exec(launch.stdout)![1]);
      // The app runs in cloisond.service's cgroup, as the service account, with no new privileges,
      // and sees the system read-only (ProtectSystem=strict, bubblewrap's own binds on top).
      await until(
        'the terminal in its compartment',
        () => sd.run(['kill', '-0', String(pid)]).code === 0,
      );
      const cgroup = sd.sh(`cat /proc/${pid}/cgroup`);
      expect(cgroup).toMatch(/\/system\.slice\/cloisond\.service$/m);
      const status = sd.sh(`cat /proc/${pid}/status`);
      expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
      const uid = sd.sh('id -u cloison').trim();
      expect(status).toMatch(new RegExp(`^Uid:\\s+${uid}\\s`, 'm'));
      const daemon = show('cloisond.service', 'MainPID');
      const mounts = sd.sh(`cat /proc/${daemon}/mountinfo`);
      expect(mounts).toMatch(/^\S+ \S+ \S+ \S+ \/usr ro,/m);
      // PrivateTmp: the daemon's /tmp is not the namespace's.
      expect(sd.sh(`stat -L -c %i /proc/${daemon}/root/tmp`)).not.toBe(sd.sh('stat -c %i /tmp'));
      // And so does the app, in its compartment's own mount namespace.
      expect(sd.sh(`cat /proc/${pid}/mountinfo`)).toMatch(/^\S+ \S+ \S+ \S+ \/usr ro,/m);
    });

    it('is restarted by systemd after a SIGKILL from outside, and serves again', async () => {
      const first = show('cloisond.service', 'MainPID');
      // MainPID is 0 when it does not run: `kill -KILL 0` would signal this test's process group.
      expect(Number(first)).toBeGreaterThan(1);
      const restarts = Number(show('cloisond.service', 'NRestarts'));
      sd.sh(`kill -KILL ${first}`);
      await until(
        'a new cloisond',
        () =>
          show('cloisond.service', 'NRestarts') === String(restarts + 1) &&
          show('cloisond.service', 'ActiveState') === 'active' &&
          cli('alice', 'status').code === 0,
      );
      const second = show('cloisond.service', 'MainPID');
      expect(second).not.toBe(first);
      expect(cli('alice', 'status').stdout).toContain(`(pid ${second})`);
      expect(cli('alice', 'levels').code).toBe(0);
    });

    it('reloads its configuration on systemctl reload (SIGHUP), in the same process', () => {
      const pid = show('cloisond.service', 'MainPID');
      sd.sh("sed -i 's/label: Restricted/label: Locked down/' /etc/cloison/config.yaml");
      expect(sd.sh('grep -c "label: Locked down" /etc/cloison/config.yaml').trim()).toBe('1');
      sd.sh('systemctl reload cloisond.service');
      expect(cli('alice', 'levels').stdout).toMatch(/^restricted\s+rank 2\s+Locked down/m);
      expect(show('cloisond.service', 'MainPID')).toBe(pid);
      expect(sd.sh('journalctl -u cloisond.service --no-pager -o cat')).toMatch(
        /configuration reloaded: [0-9a-f]{64}/,
      );
    });

    it("applies an administrator's change to /etc/cloison/config.yaml, under ProtectSystem=strict", () => {
      const shown = cli('carol', 'rules show');
      expect(shown.code, shown.stderr).toBe(0);
      sd.run(['sh', '-c', 'cat > /tmp/edited.yaml && chmod 644 /tmp/edited.yaml'], {
        input: shown.stdout.replace('label: Internet', 'label: Outside'),
      });
      const applied = cli('carol', 'rules apply /tmp/edited.yaml --reason "relabel internet"');
      expect(applied.code, applied.stdout + applied.stderr).toBe(0);
      expect(sd.sh('grep -c "label: Outside" /etc/cloison/config.yaml').trim()).toBe('1');
      expect(cli('alice', 'levels').stdout).toMatch(/^internet\s+rank 0\s+Outside/m);
      // The drop-ins stay root's: the daemon cannot write there, nor put another folder in their
      // place (the folder above is sticky: a rename there is the owner's alone).
      const asDaemon = (command: string) =>
        sd.sh(
          `setpriv --reuid=cloison --regid=cloison --init-groups sh -c '${command}' 2>&1 || true`,
        );
      expect(asDaemon('touch /etc/cloison/rules.d/x')).toMatch(/Permission denied/);
      expect(asDaemon('mv /etc/cloison/rules.d /etc/cloison/gone')).toMatch(
        /Operation not permitted|Permission denied/,
      );
      expect(sd.sh('stat -c %U /etc/cloison/rules.d').trim()).toBe('root');
    });

    it('is restarted by an upgrade (postrm upgrade, then postinst configure), not left running old code', async () => {
      const before = show('cloisond.service', 'MainPID');
      expect(Number(before)).toBeGreaterThan(1);
      expect(sd.run(['sh', join(root, 'deploy/deb/postrm.sh'), 'upgrade', '0.1.1']).code).toBe(0);
      const again = sd.run(['sh', join(root, 'deploy/deb/postinst.sh'), 'configure', '0.1.0']);
      expect(again.code).toBe(0);
      await until('cloisond serving again', () => cli('alice', 'status').code === 0);
      expect(show('cloisond.service', 'MainPID')).not.toBe(before);
      // What an administrator changed stays: the upgrade leaves the configuration alone.
      expect(sd.sh('grep -c "label: Outside" /etc/cloison/config.yaml').trim()).toBe('1');
    });

    it('is not restarted in a loop on a configuration it refuses, and starts once it is mended', async () => {
      const good = sd.sh('cat /etc/cloison/config.yaml');
      try {
        sd.sh("printf 'levels: [\\n' > /etc/cloison/config.yaml");
        sd.sh('systemctl restart cloisond.service || true');
        await until('cloisond failed', () => show('cloisond.service', 'ActiveState') === 'failed');
        expect(show('cloisond.service', 'ExecMainStatus')).toBe('78');
        // (A manual restart set the count to 0.) Past RestartSec (2 s) twice over: still failed.
        const restarts = show('cloisond.service', 'NRestarts');
        await new Promise((r) => setTimeout(r, 5000));
        expect(show('cloisond.service', 'ActiveState')).toBe('failed');
        expect(show('cloisond.service', 'NRestarts')).toBe(restarts);
        expect(sd.sh('journalctl -u cloisond.service --no-pager -o cat')).toMatch(
          /cannot start: The configuration is refused[\s\S]*\/etc\/cloison\/config\.yaml:2/,
        );
      } finally {
        sd.run(['sh', '-c', 'cat > /etc/cloison/config.yaml'], { input: good });
        sd.sh('systemctl restart cloisond.service');
      }
      await until('cloisond serving again', () => cli('alice', 'status').code === 0);
    });

    describe('the kiosk session', () => {
      /** The unit's main process's exit status once systemd has given up on it, else undefined. */
      const ended = () =>
        show('cloison-kiosk.service', 'ActiveState') === 'failed'
          ? show('cloison-kiosk.service', 'ExecMainStatus')
          : undefined;
      const journal = () => sd.sh('journalctl -u cloison-kiosk.service --no-pager -o cat');
      const restarts = () => Number(show('cloison-kiosk.service', 'NRestarts'));

      beforeAll(() => {
        // The host's VT 7 is not the test's to take (TTYPath=/dev/tty7, and TTYVTDisallocate= would
        // clear it through /dev/tty0): a pseudo-terminal held open inside stands in for it. No seat
        // and no GPU in this VM: wlroots' headless backend instead of DRM and libinput.
        sd.sh(`setsid python3 -c 'import os, pty, time
m, s = pty.openpty()
open("/run/kiosk-tty", "w").write(os.ttyname(s))
time.sleep(1e9)' </dev/null >/dev/null 2>&1 &
        while [ ! -s /run/kiosk-tty ]; do sleep 0.1; done`);
        const tty = sd.sh('cat /run/kiosk-tty').trim();
        sd.sh(`mkdir -p /etc/systemd/system/cloison-kiosk.service.d
        printf '%s\\n' '[Service]' 'TTYPath=${tty}' 'TTYVTDisallocate=no' \
          'Environment=WLR_BACKENDS=headless WLR_LIBINPUT_NO_DEVICES=1' \
          > /etc/systemd/system/cloison-kiosk.service.d/test.conf
        systemctl daemon-reload`);
      });

      it('refuses to start where no shell is installed, says why once, and is not restarted', async () => {
        sd.sh('systemctl start cloison-kiosk.service');
        await until('the kiosk unit failed', () => ended() !== undefined);
        expect(ended()).toBe('78');
        expect(restarts()).toBe(0);
        expect(journal()).toContain(
          `cloison-kiosk-session: no Electron shell at ${app}/cloison (install the cloison package); not starting`,
        );
      });

      /** A stand-in for the packaged Electron shell, which this machine cannot have. */
      const standIn = [
        '#!/bin/sh',
        '# Stand-in for the Electron shell (none here): says what it was given, asks the daemon, waits.',
        'echo "stand-in shell: $* on $WAYLAND_DISPLAY in $XDG_RUNTIME_DIR as $(id -un) ($(id -nG))"',
        '/usr/lib/cloison/bin/cloison --run "$CLOISON_RUN" status | head -1',
        'exec sleep infinity',
      ].join('\n');
      const installStandIn = () => {
        const written = sd.run(['sh', '-c', `cat > ${app}/cloison && chmod 755 ${app}/cloison`], {
          input: `${standIn}\n`,
        });
        expect(written.code).toBe(0);
      };

      it('refuses, rather than hang on a blank screen, where cage cannot have Xwayland', async () => {
        installStandIn();
        sd.sh('mount --bind /dev/null /usr/bin/Xwayland');
        try {
          sd.sh(
            'systemctl reset-failed cloison-kiosk.service; systemctl start cloison-kiosk.service',
          );
          await until('the kiosk unit failed', () => ended() !== undefined);
          expect(ended()).toBe('78');
          expect(restarts()).toBe(0);
          expect(journal()).toContain(
            'cloison-kiosk-session: cage needs Xwayland at /usr/bin/Xwayland (apt-get install xwayland); not starting',
          );
        } finally {
          sd.sh('umount /usr/bin/Xwayland');
        }
      });

      it('runs the shell in cage as the kiosk account, restarted whenever it ends', async () => {
        sd.sh(
          'systemctl reset-failed cloison-kiosk.service; systemctl start cloison-kiosk.service',
        );
        const shells = () =>
          journal()
            .split('\n')
            .filter((l) => l.startsWith('stand-in shell:'));
        await until(
          'the shell in cage',
          () => shells().length === 1 && /^cloisond /m.test(journal()),
        );
        expect(shells()[0]).toBe(
          'stand-in shell: --kiosk --run /run/cloison --ozone-platform=wayland on wayland-0 in /run/cloison-kiosk as cloison-kiosk (cloison-kiosk cloison-users)',
        );
        // It reached the daemon through the user socket, as a member of cloison-users.
        expect(journal()).toMatch(
          /^cloisond \d+\.\d+\.\d+ \(pid \d+\), state \/var\/lib\/cloison$/m,
        );
        const cage = show('cloison-kiosk.service', 'MainPID');
        expect(Number(cage)).toBeGreaterThan(1);
        expect(sd.sh(`ps -o user:20=,comm= -p ${cage}`).trim().split(/\s+/)).toEqual([
          'cloison-kiosk',
          'cage',
        ]);
        // The compositor killed outright: systemd starts the session again.
        sd.sh(`kill -KILL ${cage}`);
        await until('the session again', () => restarts() === 1 && shells().length === 2);
        const again = show('cloison-kiosk.service', 'MainPID');
        expect(again).not.toBe(cage);
        // The shell killed: cage ends with its only client, and systemd starts the session again.
        // (cage's children: the shell, which becomes `sleep` once it has asked the daemon, and
        // Xwayland when cage has started it.)
        const shellOf = (parent: string) =>
          sd
            .sh(`ps -o pid=,comm= --ppid ${parent} || true`)
            .split('\n')
            .find((l) => l.trim().endsWith(' sleep'))
            ?.trim()
            .split(' ')[0];
        await until('the shell waiting in cage', () => shellOf(again) !== undefined);
        const shell = shellOf(again)!;
        expect(Number(shell)).toBeGreaterThan(1);
        sd.sh(`kill -KILL ${shell}`);
        await until('the session a third time', () => restarts() === 2 && shells().length === 3);
        expect(show('cloison-kiosk.service', 'ActiveState')).toBe('active');
        sd.sh('systemctl stop cloison-kiosk.service');
      });
    });

    it('is stopped, disabled and removed by the postrm on purge, accounts and state with it', () => {
      // With a level running: KillMode=mixed gives the daemon alone the SIGTERM, and it stops the
      // level itself, in time (had systemd to SIGKILL anything, the result would not be success).
      expect(cli('alice', 'levels start office').stdout.trim()).toBe('office: running');
      const postrm = sd.run(['sh', join(root, 'deploy/deb/postrm.sh'), 'purge']);
      expect(postrm.code).toBe(0);
      expect(show('cloisond.service', 'ActiveState')).toBe('inactive');
      expect(show('cloisond.service', 'Result')).toBe('success');
      expect(sd.sh('journalctl -u cloisond.service --no-pager -o cat')).toMatch(
        /SIGTERM: stopping/,
      );
      expect(sd.run(['getent', 'passwd', 'cloison']).code).toBe(2);
      expect(sd.run(['getent', 'group', 'cloison-users']).code).toBe(2);
      expect(
        sd.sh(
          'ls -d /usr/lib/cloison /usr/bin/cloison /usr/bin/cloison-shell /lib/systemd/system/cloisond.service /var/lib/cloison /etc/cloison 2>/dev/null || true',
        ),
      ).toBe('');
    });

    it('is torn down completely: no process, no cgroup, the host files as they were', async () => {
      const init = sd.initPid()!;
      const { clean } = await sd.shutdown();
      expect(clean).toBe(true);
      expect(sd.leftovers()).toEqual({ cgroups: [], processes: 0 });
      expect(() => process.kill(init, 0)).toThrow();
      expect(fingerprint()).toBe(before);
    });
  },
);
