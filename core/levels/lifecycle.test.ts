// A level's life at run time, through the daemon's API with real compartments and displays: it
// stops with its last app when so configured, its launcher survives nothing an app does to it
// (a killed launcher ends the level's apps and is made again on the next launch), a stopped app
// takes its children with it, delivered clipboard content is wiped after its delay unless replaced,
// and launches that cannot be done say why.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonClient } from '../client/client.js';
import { CloisonError } from '../contract/errors.js';
import { requireBwrap } from '../compartment/spawn.js';
import { tailAudit } from '../audit/index.js';
import { descendantsOf } from './runtime.js';
import { startDaemon, type TestDaemon } from '../testing/daemon.js';

const config = `
broker:
  compartments:
    clipboardWipeSeconds: 2
    tmpBytes: 8388608
levels:
  - { id: lone, label: Lone, colour: "#aa0000", rank: 0, stopWithLastApp: true }
  - { id: low, label: Low, colour: "#00aa00", rank: 1 }
  - { id: high, label: High, colour: "#0000aa", rank: 2 }
rules:
  - { id: text-up, kind: clipboard, from: "*", to: up, types: [text/plain], action: allow, sanitise: plain-text }
`;

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  deadlineMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function failure(call: Promise<unknown>): Promise<CloisonError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CloisonError);
  return err as CloisonError;
}

/** The command line of each live host process below `pid`. */
async function commandsBelow(pid: number): Promise<string[]> {
  const out: string[] = [];
  for (const p of await descendantsOf([pid])) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') continue;
      out.push(readFileSync(`/proc/${p}/cmdline`, 'utf8').replaceAll('\0', ' ').trim());
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

describe('a level at run time', () => {
  let daemon: TestDaemon;
  let user: DaemonClient;
  let admin: DaemonClient;

  const running = async (level: string) => (await user.call('levels.status', { level })).levels[0]!;

  /** Runs a shell command in `level` and waits for its output, left in the level's home. */
  async function shell(level: string, command: string): Promise<{ code: number; out: string }> {
    const tag = `.run-${randomBytes(4).toString('hex')}`;
    await admin.call('compartments.run', {
      level,
      argv: [
        '/bin/sh',
        '-c',
        `(${command}) > "$HOME/${tag}.out" 2>&1; echo $? > "$HOME/${tag}.part"; mv "$HOME/${tag}.part" "$HOME/${tag}.rc"`,
      ],
    });
    const rc = join(daemon.home(level), `${tag}.rc`);
    return until(`"${command}" in ${level}`, async () =>
      existsSync(rc)
        ? {
            code: Number(readFileSync(rc, 'utf8').trim()),
            out: readFileSync(join(daemon.home(level), `${tag}.out`), 'utf8'),
          }
        : undefined,
    );
  }

  beforeAll(async () => {
    daemon = await startDaemon({ config });
    user = await daemon.client('user');
    admin = await daemon.client('admin');
  });

  afterAll(async () => {
    user?.close();
    admin?.close();
    await daemon?.cleanup();
  });

  it('stops a level configured to stop with its last app once that app exits', async () => {
    await user.call('levels.start', { level: 'lone' });
    await admin.call('compartments.run', { level: 'lone', argv: ['sleep', '0.3'] });
    expect((await running('lone')).running).toBe(true);
    await until('lone to stop', async () => ((await running('lone')).running ? undefined : true));
    // The control: a level without the setting keeps running after its last app.
    await user.call('levels.start', { level: 'low' });
    await admin.call('compartments.run', { level: 'low', argv: ['sleep', '0.1'] });
    await until('the sleeper to end', async () =>
      (await running('low')).apps.length === 0 ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 300));
    expect((await running('low')).running).toBe(true);
  });

  it('runs a program from the level’s own home, which only the compartment can see there', async () => {
    await writeFile(join(daemon.home('low'), 'hello.sh'), '#!/bin/sh\necho hello from home\n');
    await chmod(join(daemon.home('low'), 'hello.sh'), 0o755);
    expect(await shell('low', '/home/user/hello.sh')).toEqual({
      code: 0,
      out: 'hello from home\n',
    });
    const app = await admin.call('compartments.run', {
      level: 'low',
      argv: ['/home/user/hello.sh'],
    });
    expect(app.argv).toEqual(['/home/user/hello.sh']);
  });

  it('lets only the daemon’s account reach a level’s remote display, not the level’s account', async () => {
    let socket = (await running('low')).display!.vncSocket;
    const connects = (uid?: number) =>
      new Promise<string>((resolve) => {
        const child = spawn(
          process.execPath,
          [
            '-e',
            `const s = require('net').connect(${JSON.stringify(socket)}); s.on('connect', () => { console.log('ok'); s.destroy(); }); s.on('error', (e) => console.log(e.code));`,
          ],
          { ...(uid !== undefined ? { uid, gid: uid } : {}), stdio: ['ignore', 'pipe', 'ignore'] },
        );
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.on('exit', () => resolve(out.trim()));
      });
    // The control: the daemon's own account connects.
    expect(await connects()).toBe('ok');
    // Compartments run as nobody when the daemon is root: nobody gets no keyboard and no screen,
    // neither through the relay the shell uses nor at x11vnc's own socket.
    if (process.getuid?.() === 0) expect(await connects(65534)).toBe('EACCES');
    socket = join(daemon.home('low'), '..', 'vnc', 'vnc.sock');
    expect(await connects()).toBe('ok');
    if (process.getuid?.() === 0) expect(await connects(65534)).toBe('EACCES');
  });

  it('bounds the level’s /tmp, which is memory', async () => {
    const fill = await shell(
      'low',
      'head -c 20000000 /dev/zero > /tmp/fill; echo $?; rm -f /tmp/fill',
    );
    expect(fill.out).toMatch(/No space left on device/);
  });

  it('fails a launch that another app of the level stops before its exec, and kills it', async () => {
    const ready = join(daemon.home('low'), 'stopping');
    const stopper = await admin.call('compartments.run', {
      level: 'low',
      argv: [
        '/usr/bin/perl',
        '-e',
        'open my $f, ">", "/home/user/stopping"; close $f; while (1) { kill "STOP", -1 }',
      ],
    });
    try {
      await until('the stopper to run', async () => (existsSync(ready) ? true : undefined));
      // The child is almost always stopped between its fork and its exec (then the launch fails
      // and the child is killed); if it got to its exec first, it is announced like any app. The
      // launcher answers either way.
      const outcome = await admin
        .call('compartments.run', { level: 'low', argv: ['/usr/bin/sleep', '4242'] })
        .then(
          (app) => ({ app }),
          (err: unknown) => ({ err: err as CloisonError }),
        );
      if ('err' in outcome) {
        expect(outcome.err.message).toMatch(/did not start within 5 s/);
        await until('the refused child to be gone', async () =>
          (await commandsBelow(daemon.process.pid!)).join('\n').includes('sleep 4242')
            ? undefined
            : true,
        );
      } else {
        expect((await running('low')).apps.map((a) => a.id)).toContain(outcome.app.id);
        await user.call('apps.stop', { level: 'low', id: outcome.app.id });
      }
    } finally {
      await user.call('apps.stop', { level: 'low', id: stopper.id });
      await rm(ready, { force: true });
    }
    // The launcher takes the next launch.
    expect(await shell('low', 'echo after')).toEqual({ code: 0, out: 'after\n' });
  });

  it('refuses to send nothing', async () => {
    const err = await failure(
      user.call('clipboard.send', {
        from: 'low',
        to: 'high',
        items: [{ type: 'text/plain', data: '' }],
      }),
    );
    expect(err.code).toBe('CLIPBOARD_EMPTY');
  });

  it('stops an app together with the processes it started', async () => {
    const app = await admin.call('compartments.run', {
      level: 'low',
      argv: ['/bin/sh', '-c', 'sleep 611 & setsid sleep 612 & wait'],
    });
    const monitor = daemon.process.pid!;
    await until('its children', async () => {
      const all = (await commandsBelow(monitor)).join('\n');
      return all.includes('sleep 611') && all.includes('sleep 612') ? true : undefined;
    });
    const stopped = await user.call('apps.stop', { level: 'low', id: app.id });
    expect(stopped.state).toBe('stopped');
    const left = await until('its children to end', async () => {
      const all = (await commandsBelow(monitor)).join('\n');
      return /sleep 61[12]/.test(all) ? undefined : all;
    });
    // The level itself still runs: its display and its launcher.
    expect(left).toMatch(/launcher\.pl/);
    expect((await running('low')).apps).toEqual([]);
  });

  it('keeps the launcher out of its apps’ reach: SIGKILL and SIGSTOP from inside are ignored', async () => {
    const before = await admin.call('compartments.run', { level: 'low', argv: ['sleep', '614'] });
    // The launcher is the level's PID 1: the kernel drops these signals from its own namespace.
    expect(await shell('low', 'kill -STOP 1; kill -KILL 1; echo sent')).toEqual({
      code: 0,
      out: 'sent\n',
    });
    expect(await shell('low', 'echo still here')).toEqual({ code: 0, out: 'still here\n' });
    expect((await running('low')).apps.map((a) => a.id)).toContain(before.id);
    await user.call('apps.stop', { level: 'low', id: before.id });
  });

  it('cannot take the launcher’s answer pipe to forge an app’s exit', async () => {
    const sleeper = await admin.call('compartments.run', { level: 'low', argv: ['sleep', '615'] });
    // pidfd_open(1) then pidfd_getfd(…, 1): the launcher's stdout, where its answers go.
    const forge = [
      'my $p = syscall(434, 1, 0); die "pidfd_open: $!\\n" if $p < 0;',
      'my $fd = syscall(438, $p, 1, 0); die "pidfd_getfd: $!\\n" if $fd < 0;',
      `open(my $o, ">&=", $fd) or die; syswrite $o, "exited\\t${sleeper.pidInLevel}\\t0\\n"; print "forged\\n";`,
    ].join(' ');
    const attempt = await shell('low', `perl -e '${forge}'`);
    expect(attempt.out).toMatch(/pidfd_getfd: Operation not permitted/);
    expect(attempt.code).not.toBe(0);
    // The sleeper is still known as running, and stops when asked.
    const app = (await running('low')).apps.find((a) => a.id === sleeper.id);
    expect(app?.state).toBe('running');
    expect((await user.call('apps.stop', { level: 'low', id: sleeper.id })).state).toBe('stopped');
  });

  it('ends the level’s apps when its launcher dies, and makes it again on the next launch', async () => {
    const sleeper = await admin.call('compartments.run', { level: 'low', argv: ['sleep', '613'] });
    expect(sleeper.pid).toBeDefined();
    // From the host, as the kernel's out-of-memory killer would: the sleeper's parent is the
    // launcher.
    const stat = readFileSync(`/proc/${sleeper.pid}/stat`, 'utf8');
    const launcher = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    expect(readFileSync(`/proc/${launcher}/cmdline`, 'utf8')).toMatch(/launcher\.pl/);
    process.kill(launcher, 'SIGKILL');
    await until('the level’s apps to end', async () =>
      (await running('low')).apps.length === 0 ? true : undefined,
    );
    expect((await commandsBelow(daemon.process.pid!)).join('\n')).not.toMatch(/sleep 613/);
    const log = await user.call('levels.log', { level: 'low', count: 100 });
    expect(log.lines.map((l) => l.text).join('')).toMatch(/compartment ended/);
    // The level still runs (its display did not move) and takes the next launch.
    expect((await running('low')).running).toBe(true);
    expect(await shell('low', 'echo again')).toEqual({ code: 0, out: 'again\n' });
  });

  it('wipes delivered clipboard content after its delay, unless the level replaced it', async () => {
    await user.call('levels.start', { level: 'high' });
    const send = (text: string) =>
      user.call('clipboard.send', {
        from: 'low',
        to: 'high',
        items: [{ type: 'text/plain', data: Buffer.from(text).toString('base64') }],
      });
    const paste = () => shell('high', 'xclip -selection clipboard -o');
    const delivered = Date.now();
    await send('wipe me');
    expect((await paste()).out).toBe('wipe me');
    await until('the wipe', async () => ((await paste()).code !== 0 ? true : undefined), 10_000);
    // Wiped by the delay (2 s), not lost at once.
    expect(Date.now() - delivered).toBeGreaterThanOrEqual(1900);

    await send('delivered');
    expect((await paste()).out).toBe('delivered');
    // An app of the level copies something of its own: that stays.
    await admin.call('compartments.run', {
      level: 'high',
      argv: ['/bin/sh', '-c', 'printf mine | xclip -selection clipboard -i -quiet'],
    });
    await until('its copy', async () => ((await paste()).out === 'mine' ? true : undefined));
    await new Promise((r) => setTimeout(r, 2500));
    expect(await paste()).toEqual({ code: 0, out: 'mine' });
  });
});

describe('a level’s log and its configuration changing under it', () => {
  it('shows what apps wrote with escapes made harmless, and keeps the last run’s lines', async () => {
    const daemon = await startDaemon({ config });
    const admin = await daemon.client('admin');
    try {
      await admin.call('levels.start', { level: 'low' });
      await admin.call('compartments.run', {
        level: 'low',
        argv: ['/usr/bin/printf', 'x\\r\\033[2Kcloisond: fake\\n\\033]52;c;c2VjcmV0\\a\\n'],
      });
      await until('the output', async () =>
        (await daemon.cli(['--json', 'levels', 'log', 'low'])).text.includes('fake')
          ? true
          : undefined,
      );
      const shown = await daemon.cli(['levels', 'log', 'low']);
      expect(shown.code).toBe(0);
      // eslint-disable-next-line no-control-regex -- raw escape, carriage return and bell
      expect(shown.text).not.toMatch(/[\u001b\r\u0007]/);
      expect(shown.text).toContain('\\u{1b}]52;c;c2VjcmV0\\u{7}');
      await admin.call('levels.stop', { level: 'low' });
      const after = await daemon.cli(['levels', 'log', 'low']);
      expect(after.text).toMatch(/not running; the lines of its last run/);
      expect(after.text).toContain('fake');
    } finally {
      admin.close();
      await daemon.cleanup();
    }
  });

  it('stops a running level that a reload removed from the configuration', async () => {
    const daemon = await startDaemon({ config });
    const admin = await daemon.client('admin');
    try {
      await admin.call('levels.start', { level: 'high' });
      const app = await admin.call('compartments.run', { level: 'high', argv: ['sleep', '616'] });
      expect(app.pid).toBeDefined();
      await writeFile(daemon.configFile, config.replace(/^.*id: high.*$/m, ''));
      await admin.call('config.reload', {});
      await until('the removed level’s processes to end', async () =>
        existsSync(`/proc/${app.pid}`) ? undefined : true,
      );
      expect((await commandsBelow(daemon.process.pid!)).join('\n')).not.toMatch(/sleep 616/);
      const stopped = (await tailAudit(daemon.paths.audit, 20)).find(
        (e) => e.event === 'level.stopped' && e.level === 'high',
      );
      expect(stopped?.actor).toMatch(/left the configuration/);
    } finally {
      admin.close();
      await daemon.cleanup();
    }
  });
});

describe('a daemon stopping while an app floods its output', () => {
  it('still stops, within its deadlines', async () => {
    const daemon = await startDaemon({ config });
    const admin = await daemon.client('admin');
    await admin.call('levels.start', { level: 'low' });
    await admin.call('compartments.run', { level: 'low', argv: ['/usr/bin/yes', 'flood'] });
    await new Promise((r) => setTimeout(r, 500));
    admin.close();
    const started = Date.now();
    try {
      expect(await daemon.stop()).toBe(0);
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      await daemon.cleanup();
    }
  });
});

describe('a configuration right in /etc', () => {
  it('is hidden from the compartments, though /etc is not', async () => {
    const file = `/etc/cloison-test-${randomBytes(4).toString('hex')}.yaml`;
    const daemon = await startDaemon({ config, configAt: file });
    const admin = await daemon.client('admin');
    try {
      await admin.call('levels.start', { level: 'low' });
      const tag = randomBytes(4).toString('hex');
      await admin.call('compartments.run', {
        level: 'low',
        argv: [
          '/bin/sh',
          '-c',
          `{ wc -c < ${file}; wc -c < /etc/hostname; } > "$HOME/${tag}.part" 2>&1; mv "$HOME/${tag}.part" "$HOME/${tag}"`,
        ],
      });
      const result = join(daemon.home('low'), tag);
      const out = await until('the reader', async () =>
        existsSync(result) ? readFileSync(result, 'utf8') : undefined,
      );
      expect(out).not.toMatch(/cloison/);
      const [configSize, hostnameSize] = out.trim().split('\n').map(Number);
      // The control: the rest of /etc is there, and the file is not empty on the host.
      expect(hostnameSize).toBeGreaterThan(0);
      expect(readFileSync(file, 'utf8')).toContain('id: lone');
      expect(configSize).toBe(0);
    } finally {
      admin.close();
      await daemon.cleanup();
      await rm(file, { force: true });
    }
  });
});

describe('launches that cannot be done', () => {
  it('names bubblewrap’s package when bubblewrap is missing', async () => {
    const err = await failure(requireBwrap('/nonexistent/bwrap'));
    expect(err.code).toBe('COMPARTMENT_UNAVAILABLE');
    expect(err.message).toMatch(/bubblewrap/);
  });

  it('refuses a program the compartment cannot see, with the launcher’s reason', async () => {
    const daemon = await startDaemon({ config });
    const admin = await daemon.client('admin');
    // On the host (so the daemon's own check passes), but in /tmp, which is the level's own.
    const program = join('/tmp', `cloison-only-on-host-${randomBytes(4).toString('hex')}`);
    await writeFile(program, '#!/bin/sh\necho never\n');
    await chmod(program, 0o755);
    try {
      await admin.call('levels.start', { level: 'low' }).catch(() => undefined);
      const err = await failure(admin.call('compartments.run', { level: 'low', argv: [program] }));
      expect(err.code).toBe('APP_NOT_FOUND');
      expect(err.message).toContain(program);
      expect(err.message).toMatch(/No such file/);
      const missing = await failure(
        admin.call('compartments.run', { level: 'low', argv: ['no-such-program-here'] }),
      );
      expect(missing.code).toBe('APP_NOT_FOUND');
    } finally {
      admin.close();
      await daemon.cleanup();
      await rm(program, { force: true });
    }
  });
});
