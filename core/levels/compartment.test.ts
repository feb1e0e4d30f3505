// The compartment walls, proved from the attacker's side: a probe (core/testing/probe.mjs) runs as
// a level's app inside its real compartment, tries to reach another level, the daemon and the host,
// and reports; each test first shows that what the probe tries exists and works from where it is
// allowed, so that a missing wall fails the test. Real daemon, real bubblewrap, real Xvfb.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonClient } from '../client/client.js';
import { CloisonError } from '../contract/errors.js';
import { ENV_ALLOWLIST, sandboxArgs } from '../compartment/sandbox.js';
import { systemLayout } from '../compartment/spawn.js';
import { levelPlaces, type LevelWhere } from '../state/paths.js';
import { root, startDaemon, type TestDaemon } from '../testing/daemon.js';

/** Distinctive ids, so that a leak of one level's name into another is detectable. */
const ALPHA: LevelWhere = { id: 'alpha' };
const BRAVO: LevelWhere = { id: 'bravo', ephemeral: true };

const config = `
broker:
  compartments:
    clipboardWipeSeconds: 0
levels:
  - id: alpha
    label: Alpha
    colour: "#aa0000"
    rank: 0
    network: none
    apps: [{ id: term, label: Terminal, type: native, argv: [xterm, -T, alpha-window] }]
  - id: bravo
    label: Bravo
    colour: "#0000aa"
    rank: 1
    network: none
    ephemeral: true
    apps: [{ id: term, label: Terminal, type: native, argv: [xterm, -T, bravo-window] }]
rules:
  - { id: text-up, kind: clipboard, from: "*", to: up, types: [text/plain], action: allow, sanitise: plain-text }
  - { id: clipboard-down, kind: clipboard, from: "*", to: down, types: ["*/*"], action: deny }
`;

/** Set in the daemon's environment: it must not cross into a compartment. */
const SENTINEL = 'CLOISON_PROBE_SENTINEL';
const sentinelValue = `sentinel-${randomBytes(6).toString('hex')}`;

const PROBE = join(root, 'core/testing/probe.mjs');
const SANDBOX_HOME = '/home/user';

type Attempt = { ok: boolean; code?: string; value?: unknown };
interface Findings {
  self: number;
  uid: number;
  hostname: string;
  env: Record<string, string>;
  interfaces: string[];
  homes: Record<string, Attempt>;
  files: Record<string, Attempt>;
  sockets: Record<string, Attempt>;
  tcp: (Attempt & { host: string; port: number })[];
  pids: Record<string, Attempt>;
  proc: number[];
  procCommands: Record<string, Attempt>;
  writes: Record<string, Attempt>;
  guarded: Record<string, Record<'environ' | 'fd0' | 'fd1' | 'mem', Attempt>>;
  leaks: { file: string; needle: string }[];
  ownLoopback: Attempt;
  mountinfo: string;
}

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
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Connects from the host (the control that a target is really there), then hangs up. */
function hostConnects(to: net.NetConnectOpts): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(to);
    const done = (connected: boolean) => {
      socket.destroy();
      resolve(connected);
    };
    socket.once('connect', () => done(true)).once('error', () => done(false));
  });
}

interface Proc {
  parent: number;
  /** Start time in clock ticks since boot: tells a pid reused meanwhile from the same process. */
  start: string;
  command: string;
}

/** Every live (not zombie) process of the host, by pid. */
function processes(): Map<number, Proc> {
  const all = new Map<number, Proc>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The command may hold spaces and parentheses: the fields start after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue;
      all.set(Number(name), {
        parent: Number(fields[1]),
        start: fields[19] ?? '',
        command: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
      });
    } catch {
      // Gone meanwhile.
    }
  }
  return all;
}

/** `roots` and all their descendants, as they run now. */
function processTree(roots: Iterable<number>): Map<number, Proc> {
  const all = processes();
  const found = new Map<number, Proc>();
  for (const pid of roots) {
    const proc = all.get(pid);
    if (proc) found.set(pid, proc);
  }
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, proc] of all) {
      if (!found.has(pid) && found.has(proc.parent)) {
        found.set(pid, proc);
        grew = true;
      }
    }
  }
  return found;
}

/** The daemon's children: the bubblewrap monitors of every compartment and display process. */
function monitorsOf(daemonPid: number): Set<number> {
  return new Set([...processes()].filter(([, p]) => p.parent === daemonPid).map(([pid]) => pid));
}

/** Those of `procs` that still run as the same process (not a zombie, not a reused pid). */
function stillRunning(procs: Map<number, Proc>): string[] {
  const now = processes();
  return [...procs]
    .filter(([pid, p]) => now.get(pid)?.start === p.start)
    .map(([pid, p]) => `${pid} ${p.command}`);
}

function commands(procs: Map<number, Proc>): string[] {
  return [...procs.values()].map((p) => p.command);
}

/**
 * Waits until none of `procs` runs (for a daemon killed from outside, whose compartments die by
 * signal), and returns those that still do; `graceMs` 0 checks once, at once.
 */
async function gone(procs: Map<number, Proc>, graceMs: number): Promise<string[]> {
  if (graceMs === 0) return stillRunning(procs);
  return until(
    'the processes to end',
    async () => (stillRunning(procs).length ? undefined : []),
    graceMs,
  ).catch(() => stillRunning(procs));
}

describe('a compartment', () => {
  let daemon: TestDaemon;
  let user: DaemonClient;
  let admin: DaemonClient;
  let tcpServer: net.Server;
  let abstractServer: net.Server;
  const abstractName = `\0cloison-probe-${randomBytes(4).toString('hex')}`;
  /** Findings of the probe run in `attacker`, aimed at `victim`. */
  const findings = new Map<string, { victim: LevelWhere; found: Findings }>();

  const home = (level: LevelWhere) => levelPlaces(daemon.paths, level).home;

  /**
   * Runs a shell command in a level's compartment and waits for its exit status and output, which
   * it leaves in the level's home (compartments.run only starts it).
   */
  async function shell(level: LevelWhere, command: string): Promise<{ code: number; out: string }> {
    const tag = `.run-${randomBytes(4).toString('hex')}`;
    await admin.call('compartments.run', {
      level: level.id,
      argv: [
        '/bin/sh',
        '-c',
        `(${command}) > "$HOME/${tag}.out" 2>&1; echo $? > "$HOME/${tag}.part"; mv "$HOME/${tag}.part" "$HOME/${tag}.rc"`,
      ],
    });
    const rc = join(home(level), `${tag}.rc`);
    return until(`"${command}" in ${level.id}`, async () =>
      existsSync(rc)
        ? {
            code: Number(readFileSync(rc, 'utf8').trim()),
            out: readFileSync(join(home(level), `${tag}.out`), 'utf8'),
          }
        : undefined,
    );
  }

  /** Copies the probe into `attacker`'s home, aims it at `victim`, runs it, returns its findings. */
  async function probe(attacker: LevelWhere, victim: LevelWhere): Promise<Findings> {
    const own = home(attacker);
    const theirs = levelPlaces(daemon.paths, victim);
    const tcpPort = (tcpServer.address() as net.AddressInfo).port;
    copyFileSync(PROBE, join(own, 'probe.mjs'));
    writeFileSync(
      join(own, 'probe-targets.json'),
      JSON.stringify({
        homes: [theirs.home, theirs.dir, daemon.paths.levels, daemon.paths.root],
        files: [join(theirs.home, 'secret.txt')],
        sockets: [
          join(theirs.x11, 'X0'),
          '\0/tmp/.X11-unix/X0',
          abstractName,
          daemon.paths.userSocket,
          daemon.paths.adminSocket,
          // The control: its own display.
          '/tmp/.X11-unix/X0',
        ],
        tcp: [
          { host: '127.0.0.1', port: tcpPort },
          { host: '1.1.1.1', port: 53 },
          { host: '8.8.8.8', port: 443 },
        ],
        pids: [daemon.process.pid, process.pid],
        // The level's launcher: its PID 1.
        guarded: [1],
        writes: ['/usr/probe.txt', '/etc/probe.txt', '/tmp/probe.txt', `${SANDBOX_HOME}/probe.txt`],
        mkdirs: ['/usr/probe.d', '/etc/probe.d'],
        needles: [
          victim.id,
          '--bind',
          '--ro-bind',
          '--setenv',
          '--tmpfs',
          '--unshare',
          '--die-with-parent',
          daemon.configFile,
          daemon.paths.root,
          sentinelValue,
        ],
      }),
    );
    await admin.call('compartments.run', {
      level: attacker.id,
      argv: ['/usr/bin/node', `${SANDBOX_HOME}/probe.mjs`],
    });
    const result = join(own, 'probe-result.json');
    return until(`the probe in ${attacker.id}`, async () =>
      existsSync(result) ? (JSON.parse(readFileSync(result, 'utf8')) as Findings) : undefined,
    );
  }

  beforeAll(async () => {
    process.env[SENTINEL] = sentinelValue;
    daemon = await startDaemon({ config }).finally(() => delete process.env[SENTINEL]);
    user = await daemon.client('user');
    admin = await daemon.client('admin');
    // A probe that gets through hangs up at once: the reset is its business, not a crash here.
    const answer = (text: string) => (s: net.Socket) => s.on('error', () => undefined).end(text);
    tcpServer = net.createServer(answer('host listener\n'));
    await new Promise<void>((r) => tcpServer.listen(0, '127.0.0.1', r));
    abstractServer = net.createServer(answer('abstract listener\n'));
    await new Promise<void>((r) => abstractServer.listen(abstractName, r));
    await user.call('levels.start', { level: ALPHA.id });
    await user.call('levels.start', { level: BRAVO.id });
    for (const level of [ALPHA, BRAVO]) {
      writeFileSync(join(home(level), 'secret.txt'), `secret of ${level.id}\n`);
    }
    const [a, b] = await Promise.all([probe(ALPHA, BRAVO), probe(BRAVO, ALPHA)]);
    findings.set(ALPHA.id, { victim: BRAVO, found: a });
    findings.set(BRAVO.id, { victim: ALPHA, found: b });
  });

  afterAll(async () => {
    user?.close();
    admin?.close();
    tcpServer?.close();
    abstractServer?.close();
    await daemon?.cleanup();
  });

  /** Each level's probe, aimed at the other. */
  function eachProbe(check: (attacker: string, victim: LevelWhere, found: Findings) => void) {
    expect(findings.size).toBe(2);
    for (const [attacker, { victim, found }] of findings) check(attacker, victim, found);
  }

  it('runs as an unprivileged account, with none of the daemon’s environment', () => {
    eachProbe((attacker, _victim, found) => {
      expect(found.uid).not.toBe(0);
      expect(found.hostname).toBe(attacker);
      const allowed = [...ENV_ALLOWLIST, 'PATH', 'PWD', 'HOME', 'USER', 'DISPLAY', 'XAUTHORITY'];
      for (const key of Object.keys(found.env)) expect(allowed, key).toContain(key);
      expect(found.env.HOME).toBe(SANDBOX_HOME);
      expect(found.env[SENTINEL]).toBeUndefined();
    });
  });

  it('cannot read or list another level’s home, even by its host path', () => {
    eachProbe((_attacker, victim, found) => {
      const theirs = levelPlaces(daemon.paths, victim);
      // The target is real: the file is there on the host, and the same account owns both homes.
      expect(readFileSync(join(theirs.home, 'secret.txt'), 'utf8')).toBe(
        `secret of ${victim.id}\n`,
      );
      for (const dir of [theirs.home, theirs.dir, daemon.paths.levels, daemon.paths.root]) {
        expect(found.homes[dir], dir).toMatchObject({ ok: false });
      }
      expect(found.files[join(theirs.home, 'secret.txt')]).toMatchObject({ ok: false });
    });
  });

  it('cannot connect to another level’s X socket, nor to any abstract socket', async () => {
    expect(await hostConnects({ path: abstractName })).toBe(true);
    eachProbe((_attacker, victim, found) => {
      const theirX = join(levelPlaces(daemon.paths, victim).x11, 'X0');
      expect(existsSync(theirX)).toBe(true);
      // The control: the same connect reaches its own display.
      expect(found.sockets['/tmp/.X11-unix/X0']).toEqual({ ok: true });
      expect(found.sockets[theirX]).toMatchObject({ ok: false });
      expect(found.sockets['\0/tmp/.X11-unix/X0']).toMatchObject({ ok: false });
      // An abstract socket the test listens on: reachable from the host, not from the level.
      expect(found.sockets[abstractName]).toMatchObject({ ok: false });
    });
  });

  it('reaches no TCP listener of the host nor any outside address, with network none', async () => {
    const port = (tcpServer.address() as net.AddressInfo).port;
    expect(await hostConnects({ host: '127.0.0.1', port })).toBe(true);
    eachProbe((_attacker, _victim, found) => {
      expect(found.interfaces).toEqual(['lo']);
      // The control: TCP works inside, on the compartment's own loopback.
      expect(found.ownLoopback).toEqual({ ok: true });
      expect(found.tcp).toHaveLength(3);
      for (const attempt of found.tcp) expect(attempt, attempt.host).toMatchObject({ ok: false });
    });
  });

  it('sees no process outside itself in /proc', () => {
    // The daemon and this test run, so a shared /proc would show them.
    expect(existsSync(`/proc/${daemon.process.pid}`)).toBe(true);
    eachProbe((_attacker, _victim, found) => {
      expect(found.pids[String(daemon.process.pid)]).toMatchObject({ ok: false });
      expect(found.pids[String(process.pid)]).toMatchObject({ ok: false });
      // Only the level's launcher (its PID 1, bubblewrap's options not in its command line) and
      // the probe itself.
      expect(found.proc).toEqual([1, found.self]);
      expect(found.procCommands['1']?.value).toMatch(
        /^\/usr\/bin\/perl \/run\/cloison\/launcher.pl/,
      );
      expect(found.procCommands[String(found.self)]?.value).toBe(
        `/usr/bin/node ${SANDBOX_HOME}/probe.mjs`,
      );
    });
  });

  it('cannot take the launcher’s environment, descriptors or memory, though it runs as the same account', () => {
    eachProbe((_attacker, _victim, found) => {
      // The control: the same reads of its own process succeed.
      const own = found.guarded['self']!;
      for (const what of ['environ', 'fd0', 'fd1', 'mem'] as const)
        expect(own[what], `own ${what}`).toMatchObject({ ok: true });
      const launcher = found.guarded['1']!;
      for (const what of ['environ', 'fd0', 'fd1', 'mem'] as const)
        expect(launcher[what], `launcher's ${what}`).toMatchObject({ ok: false, code: 'EACCES' });
    });
  });

  it('cannot reach the daemon’s sockets', () => {
    // The sockets are there: this test's own clients are connected to them.
    expect(existsSync(daemon.paths.userSocket) && existsSync(daemon.paths.adminSocket)).toBe(true);
    eachProbe((_attacker, _victim, found) => {
      expect(found.sockets[daemon.paths.userSocket]).toMatchObject({ ok: false });
      expect(found.sockets[daemon.paths.adminSocket]).toMatchObject({ ok: false });
    });
  });

  it('cannot write to /usr or /etc, which are read-only mounts', () => {
    eachProbe((_attacker, _victim, found) => {
      // The control: its private /tmp and its home take the same write.
      expect(found.writes['/tmp/probe.txt']).toEqual({ ok: true, value: 'written' });
      expect(found.writes[`${SANDBOX_HOME}/probe.txt`]).toEqual({ ok: true, value: 'written' });
      // EROFS, not EACCES: the mount refuses, whatever the account's permissions.
      for (const path of ['/usr/probe.txt', '/etc/probe.txt', '/usr/probe.d', '/etc/probe.d']) {
        expect(found.writes[path], path).toEqual({ ok: false, code: 'EROFS' });
      }
    });
    expect(existsSync('/usr/probe.txt') || existsSync('/etc/probe.txt')).toBe(false);
  });

  it('finds no other level’s id nor bubblewrap’s options in /proc', () => {
    eachProbe((attacker, victim, found) => {
      // It did read them: its own mount table names its own home.
      expect(found.mountinfo).toContain(` ${SANDBOX_HOME} `);
      const leaks = found.leaks.filter(
        // Known weakness, reported: the kernel shows a bind mount's source path in mountinfo, so
        // the level's own home and X socket show the state folder's path there (not in cmdline or
        // environ, and never another level's).
        (l) => !(l.needle === daemon.paths.root && /^\/proc\/(self|\d+)\/mountinfo$/.test(l.file)),
      );
      expect(leaks, `${attacker} looking for ${victim.id}`).toEqual([]);
    });
  });

  it('shows an app’s window on its own level’s display only', async () => {
    await user.call('apps.launch', { level: ALPHA.id, app: 'term' });
    await user.call('apps.launch', { level: BRAVO.id, app: 'term' });
    const search = (level: LevelWhere, title: string) =>
      shell(level, `xdotool search --name '^${title}$'`);
    for (const level of [ALPHA, BRAVO]) {
      const title = `${level.id}-window`;
      await until(`${title} on ${level.id}'s display`, async () =>
        (await search(level, title)).code === 0 ? true : undefined,
      );
    }
    // xdotool search exits 1 when no window matches.
    expect((await search(ALPHA, 'bravo-window')).code).toBe(1);
    expect((await search(BRAVO, 'alpha-window')).code).toBe(1);
  });

  it('passes the clipboard up only through the broker, sanitised, and never down', async () => {
    // A right-to-left override and a CRLF, which the plain-text sanitiser removes and normalises.
    await admin.call('compartments.run', {
      level: ALPHA.id,
      argv: [
        '/bin/sh',
        '-c',
        `printf 'from alpha \\342\\200\\256reversed\\r\\nline two' | xclip -selection clipboard -i -quiet`,
      ],
    });
    await until('alpha’s clipboard', async () => {
      const { out } = await shell(ALPHA, 'xclip -selection clipboard -o');
      return out.startsWith('from alpha') ? true : undefined;
    });
    // Bravo's display has its own clipboard: alpha's selection is not there.
    expect((await shell(BRAVO, 'xclip -selection clipboard -o')).out).not.toContain('from alpha');

    const sent = await user.call('clipboard.send', { from: ALPHA.id, to: BRAVO.id });
    expect(sent.status).toBe('delivered');
    const pasted = await until('the delivery on bravo’s clipboard', async () => {
      const { code, out } = await shell(BRAVO, 'xclip -selection clipboard -o');
      return code === 0 && out.length > 0 ? out : undefined;
    });
    expect(pasted).toBe('from alpha reversed\nline two');

    const down = await user.call('clipboard.send', { from: BRAVO.id, to: ALPHA.id }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(down).toBeInstanceOf(CloisonError);
    expect((down as CloisonError).code).toBe('DENIED_BY_RULE');
    // Nothing arrived: alpha's clipboard still holds what alpha copied.
    expect((await shell(ALPHA, 'xclip -selection clipboard -o')).out).toMatch(/^from alpha/);
  });

  it('leaves no process of a level behind when the level stops, and the other level’s alone', async () => {
    await user.call('levels.stop', { level: ALPHA.id });
    await user.call('levels.stop', { level: BRAVO.id });
    const daemonPid = daemon.process.pid!;
    expect(await gone(processTree(monitorsOf(daemonPid)), 0)).toEqual([]);

    /** The monitors `level` added to the daemon's, once its display, app and a sleeper run. */
    const started = async (level: LevelWhere, before: Set<number>) => {
      await user.call('apps.launch', { level: level.id, app: 'term' });
      await admin.call('compartments.run', { level: level.id, argv: ['sleep', '600'] });
      return until(`${level.id}'s processes`, async () => {
        const own = new Set([...monitorsOf(daemonPid)].filter((pid) => !before.has(pid)));
        const names = commands(processTree(own));
        return names.includes('xterm') && names.includes('sleep') ? own : undefined;
      });
    };
    const alphaMonitors = await started(ALPHA, new Set());
    const bravoMonitors = await started(BRAVO, alphaMonitors);
    const status = await user.call('levels.status', { level: ALPHA.id });
    expect(status.levels[0]?.apps.length).toBe(2);
    // Every process of each level, children its apps started since included.
    const alpha = processTree(alphaMonitors);
    const bravo = processTree(bravoMonitors);
    for (const app of status.levels[0]?.apps ?? []) {
      expect(app.pid).toBeDefined();
      expect(alpha.has(app.pid!)).toBe(true);
    }
    for (const level of [alpha, bravo]) {
      expect(commands(level)).toEqual(
        expect.arrayContaining(['bwrap', 'Xvfb', 'x11vnc', 'matchbox-window', 'xterm', 'sleep']),
      );
    }

    await user.call('levels.stop', { level: ALPHA.id });
    expect(await gone(alpha, 0)).toEqual([]);
    expect(stillRunning(bravo)).toHaveLength(bravo.size);

    await user.call('levels.stop', { level: BRAVO.id });
    expect(await gone(bravo, 0)).toEqual([]);
    expect(monitorsOf(daemonPid).size).toBe(0);
  });

  it('loses an ephemeral level’s home when the level stops', async () => {
    await user.call('levels.start', { level: BRAVO.id });
    expect((await shell(BRAVO, 'echo kept > "$HOME/note.txt"')).code).toBe(0);
    const note = join(home(BRAVO), 'note.txt');
    expect(readFileSync(note, 'utf8')).toBe('kept\n');
    expect(home(BRAVO).startsWith('/dev/shm/')).toBe(true);
    await user.call('levels.stop', { level: BRAVO.id });
    expect(existsSync(note)).toBe(false);
    expect(existsSync(home(BRAVO)) ? readdirSync(home(BRAVO)) : []).toEqual([]);
  });

  it('dies with the daemon when the daemon is killed with SIGKILL', async () => {
    await user.call('apps.launch', { level: ALPHA.id, app: 'term' });
    await admin.call('compartments.run', { level: ALPHA.id, argv: ['sleep', '600'] });
    const daemonPid = daemon.process.pid!;
    const tree = await until('alpha’s processes', async () => {
      const t = processTree(monitorsOf(daemonPid));
      return commands(t).includes('xterm') && commands(t).includes('sleep') ? t : undefined;
    });
    expect(commands(tree)).toEqual(expect.arrayContaining(['Xvfb', 'x11vnc', 'xterm', 'sleep']));
    user.close();
    admin.close();
    await daemon.kill9();
    expect(await gone(tree, 5000)).toEqual([]);
    // So that cleanup can stop it the ordinary way.
    await daemon.restart();
  });
});

describe('a compartment’s new session', () => {
  const python = [
    'import errno, fcntl, termios',
    'try:',
    "    fcntl.ioctl(0, termios.TIOCSTI, b'x')",
    "    print('TIOCSTI=ok')",
    'except OSError as e:',
    "    print('TIOCSTI=' + errno.errorcode[e.errno])",
  ].join('\n');
  const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  /** Runs argv as `nobody` with a pty as its controlling terminal (util-linux `script`). */
  const onATerminal = (argv: string[]) => {
    const run = spawnSync('/usr/bin/script', ['-qec', argv.map(quote).join(' '), '/dev/null'], {
      encoding: 'utf8',
      input: '',
      uid: 65534,
      gid: 65534,
      timeout: 10_000,
    });
    return /TIOCSTI=(\w+)/.exec(run.stdout)?.[1] ?? `no answer: ${run.stdout} ${run.stderr}`;
  };
  const args = sandboxArgs({
    argv: [],
    system: systemLayout(),
    mounts: [],
    masked: [],
    network: 'none',
    hostname: 'tiocsti',
    env: { PATH: '/usr/bin:/bin' },
    cwd: '/',
  });

  it('cannot push keystrokes into the terminal it was started from (TIOCSTI)', () => {
    // The control: the same ioctl on the same kind of terminal succeeds outside bubblewrap, and
    // inside it without --new-session.
    expect(onATerminal(['/usr/bin/python3', '-c', python])).toBe('ok');
    expect(
      onATerminal([
        '/usr/bin/bwrap',
        ...args.filter((a) => a !== '--new-session'),
        '--',
        '/usr/bin/python3',
        '-c',
        python,
      ]),
    ).toBe('ok');
    expect(args).toContain('--new-session');
    expect(
      onATerminal(['/usr/bin/bwrap', ...args, '--', '/usr/bin/python3', '-c', python]),
    ).toMatch(/^(EPERM|EIO)$/);
  });
});
