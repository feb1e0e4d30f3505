// One level's display: an Xvfb server, a window manager and an x11vnc remote-display server, each
// in a sandbox of its own. The X socket lives in the level's own folder, never in the host's
// /tmp/.X11-unix, and the server listens on no TCP port and no abstract socket, so an app of one
// level can neither find nor reach another level's display (nor the host's through this one).
// A display process that ends on its own is started again in place (see `mend`), so the level's
// home and compartment survive a crashed X server; after repeated ends within a minute, it gives up.
import { access, chmod, chown, constants, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { CloisonError } from '../contract/errors.js';
import {
  killSandbox,
  startSandbox,
  type Account,
  type Mount,
  type Sandbox,
} from '../compartment/spawn.js';
import { sandboxEnv } from '../compartment/sandbox.js';
import { decideRestart, type HealingPolicy } from '../kiosk/healing.js';
import { newCookie, xauthorityFile } from './xauth.js';

/** Inside every sandbox of a level: its display is always ":0", its authority always here. */
export const XAUTHORITY = '/run/cloison/Xauthority';
export const X_SOCKET_DIR = '/tmp/.X11-unix';
export const X_SOCKET = `${X_SOCKET_DIR}/X0`;
const VNC_DIR = '/run/cloison/vnc';

export interface DisplayPlaces {
  /** Folder (owned by the level's account) where Xvfb creates its socket `X0`. */
  x11: string;
  /** Folder (owned by the level's account) where x11vnc creates `vnc.sock`. */
  vnc: string;
}

export interface DisplayOptions {
  level: string;
  places: DisplayPlaces;
  account?: Account;
  width: number;
  height: number;
  log: (source: string, text: string) => void;
  /** A display process ended on its own: what `mend` did about it. */
  healed?: (healing: DisplayHealing) => void;
}

/** Which processes ended (with their exit status), and whether the display works again. */
export type DisplayHealing =
  | { outcome: 'restarted'; ended: DisplayEnd[]; restarts: number }
  | { outcome: 'failed'; ended: DisplayEnd[]; reason: string };

export interface DisplayEnd {
  process: DisplayProcess;
  exitCode: number;
}

export type DisplayProcess = 'xvfb' | 'window-manager' | 'x11vnc';

/**
 * Ends of display processes a level survives: an X server that crashes now and then is restarted
 * for ever, one that cannot stay up (a level's app that crashes it on purpose) is given up on.
 */
export const DISPLAY_HEALING: HealingPolicy = { maxRestarts: 3, windowSeconds: 60 };
/** Ends that come together (an X server's clients lose it with it) are mended as one. */
const SETTLE_MS = 150;
/** How long `ready` waits for the end of a server that refuses connections to be reported. */
const READY_WAIT_MS = 2000;

interface Supervised {
  name: DisplayProcess;
  sandbox: Sandbox;
  /** Its exit status, once it ended. */
  ended?: number;
}

/** What a sandbox needs to draw on a level's display: its socket and its cookie, nothing else. */
export interface DisplayAccess {
  mounts: Mount[];
  env: Record<string, string>;
}

const XVFB = '/usr/bin/Xvfb';
const X11VNC = '/usr/bin/x11vnc';
const WINDOW_MANAGER = '/usr/bin/matchbox-window-manager';

export class LevelDisplay {
  private readonly cookie = newCookie();
  private readonly sandboxes: Supervised[] = [];
  private stopped = false;
  /** A mend in progress: launches wait for it, and further ends join it. */
  private mending: Promise<void> | undefined;
  /** When the display's processes ended on their own lately (see DISPLAY_HEALING). */
  private ends: number[] = [];
  /** The last words of each process, for the error when one dies while starting. */
  private readonly lastOutput = new Map<string, string>();

  private constructor(private readonly options: DisplayOptions) {}

  /** Host path of the level's X socket (for the daemon's own helpers). */
  get socket(): string {
    return join(this.options.places.x11, 'X0');
  }

  /** Host path of the remote-display (VNC) socket the shell shows the level through. */
  get vncSocket(): string {
    return join(this.options.places.vnc, 'vnc.sock');
  }

  /** Starts Xvfb, waits for its socket, then the window manager and x11vnc. */
  static async start(options: DisplayOptions): Promise<LevelDisplay> {
    for (const [binary, pkg] of [
      [XVFB, 'xvfb'],
      [X11VNC, 'x11vnc'],
    ] as const) {
      await access(binary, constants.X_OK).catch(() => {
        throw new CloisonError(
          'DISPLAY_FAILED',
          `The display server cannot start for level "${options.level}": ${binary} is missing; install the "${pkg}" package.`,
        );
      });
    }
    const display = new LevelDisplay(options);
    try {
      await display.startServer();
      await display.startHelpers();
    } catch (err) {
      await display.stop();
      throw err;
    }
    return display;
  }

  /**
   * The socket's folder, not the socket itself, read-only: a restarted X server makes a new socket
   * there, which a bind of the old one would never show to the compartments already running.
   */
  access(): DisplayAccess {
    return {
      mounts: [
        { kind: 'dir', host: this.options.places.x11, dest: X_SOCKET_DIR, mode: 'ro' },
        { kind: 'data', data: xauthorityFile(this.cookie), dest: XAUTHORITY },
      ],
      env: { DISPLAY: ':0', XAUTHORITY },
    };
  }

  /** Every process of the display, as the host sees them (bubblewrap monitors). */
  pids(): number[] {
    return this.sandboxes.map((s) => s.sandbox.process.pid!).filter((p) => p > 0);
  }

  /**
   * Resolves once the display works: at once, unless a process ended and is being restarted. An
   * X server that refuses connections but whose end was not reported yet (an app that lost it can
   * be heard of first) is waited for a moment, so that a restart does not meet a dead server.
   */
  async ready(): Promise<void> {
    for (let waited = 0; ; waited += 50) {
      while (this.mending) await this.mending;
      if (this.stopped || waited >= READY_WAIT_MS || (await accepts(this.socket))) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const { sandbox } of this.sandboxes.splice(0).reverse()) await killSandbox(sandbox);
  }

  /** A display process ended without being asked to: mend the display, unless one is underway. */
  private ended(): void {
    if (this.stopped || this.mending) return;
    this.mending = this.mend().finally(() => (this.mending = undefined));
  }

  /**
   * Starts again what ended: the X server, and with it its clients (the window manager, x11vnc),
   * or a client alone while the server lives (the apps keep their windows). The level's apps
   * that lost the server end with it; the kiosk restarts its own once `ready` resolves.
   */
  private async mend(): Promise<void> {
    const ended: DisplayEnd[] = [];
    for (;;) {
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      if (this.stopped) return;
      const dead = this.sandboxes.filter((s) => s.ended !== undefined);
      if (dead.length === 0) break;
      for (const s of dead) ended.push({ process: s.name, exitCode: s.ended! });
      const decision = decideRestart(this.ends, Date.now(), DISPLAY_HEALING);
      this.ends = decision.history;
      if (decision.action === 'give-up') {
        this.options.healed?.({
          outcome: 'failed',
          ended,
          reason: `its display ended ${decision.crashes} times within ${DISPLAY_HEALING.windowSeconds} s (at most ${DISPLAY_HEALING.maxRestarts} restarts allowed)`,
        });
        return;
      }
      try {
        if (dead.some((s) => s.name === 'xvfb')) {
          // Its clients are lost with it: every process of the display starts afresh.
          for (const s of this.sandboxes.splice(0)) {
            s.ended ??= -1;
            await killSandbox(s.sandbox);
          }
          await this.startServer();
          await this.startHelpers();
        } else {
          for (const s of dead) this.sandboxes.splice(this.sandboxes.indexOf(s), 1);
          if (dead.some((s) => s.name === 'window-manager')) await this.startWindowManager();
          if (dead.some((s) => s.name === 'x11vnc')) await this.startVnc();
        }
      } catch (err) {
        if (this.stopped) return;
        this.options.healed?.({
          outcome: 'failed',
          ended,
          reason: `its display could not be started again: ${err instanceof Error ? err.message : String(err)}`,
        });
        return;
      }
      // Ended again while it was being mended: one more round (counted against the limit).
      if (this.sandboxes.every((s) => s.ended === undefined)) {
        this.options.healed?.({ outcome: 'restarted', ended, restarts: this.ends.length });
        return;
      }
    }
  }

  private async startServer(): Promise<void> {
    const { width, height } = this.options;
    // A socket left by a server that died would pass for the new one's.
    await rm(this.socket, { force: true });
    const xvfb = await this.run('xvfb', {
      argv: [
        XVFB,
        ':0',
        // No TCP, and no abstract socket (which a host-network sandbox could reach).
        '-nolisten',
        'tcp',
        '-nolisten',
        'local',
        '-auth',
        XAUTHORITY,
        // No reset when the last client leaves: the authority is read once, from a copy in memory.
        '-noreset',
        // MIT-SHM would fail across IPC namespaces anyway; GLX pulls in a software renderer that
        // triples the server's memory.
        '-extension',
        'MIT-SHM',
        '-extension',
        'GLX',
        '-screen',
        '0',
        `${width}x${height}x24`,
      ],
      mounts: [
        { kind: 'dir', host: this.options.places.x11, dest: '/tmp/.X11-unix', mode: 'rw' },
        { kind: 'data', data: xauthorityFile(this.cookie), dest: XAUTHORITY },
      ],
      env: {},
    });
    await waitFor(
      this.socket,
      xvfb,
      10_000,
      `The display server (Xvfb) of level "${this.options.level}"`,
      () => this.lastOutput.get('xvfb') ?? '',
    );
  }

  private async startHelpers(): Promise<void> {
    await this.startWindowManager();
    await this.startVnc();
  }

  private async startWindowManager(): Promise<void> {
    const screen = this.access();
    const hasWm = await access(WINDOW_MANAGER, constants.X_OK).then(
      () => true,
      () => false,
    );
    // A window manager places windows sanely (full size, one at a time); without one they pile up
    // at the top left, which still works.
    if (hasWm) {
      await this.run('window-manager', {
        argv: [WINDOW_MANAGER, '-use_titlebar', 'no'],
        mounts: screen.mounts,
        env: screen.env,
      });
    } else {
      this.options.log('display', `${WINDOW_MANAGER} is missing: windows are not managed.`);
    }
  }

  private async startVnc(): Promise<void> {
    const screen = this.access();
    const uid = process.getuid?.() ?? 0;
    const gid = process.getgid?.() ?? 0;
    // Restarted: the folder goes back to the level's account for x11vnc to make its socket in, and
    // the old socket goes (it would pass for the new one).
    await rm(this.vncSocket, { force: true });
    if (this.options.account) {
      await chown(this.options.places.vnc, this.options.account.uid, this.options.account.gid);
    }
    const vnc = await this.run('x11vnc', {
      argv: [
        X11VNC,
        '-display',
        ':0',
        '-auth',
        XAUTHORITY,
        // A Unix socket in the level's own folder: no TCP port that any app could connect to.
        '-unixsock',
        `${VNC_DIR}/vnc.sock`,
        '-rfbport',
        '0',
        '-forever',
        '-shared',
        '-nopw',
        '-noshm',
        '-quiet',
      ],
      mounts: [
        ...screen.mounts,
        { kind: 'dir', host: this.options.places.vnc, dest: VNC_DIR, mode: 'rw' },
      ],
      env: screen.env,
    });
    await waitFor(
      this.vncSocket,
      vnc,
      10_000,
      `The remote-display server (x11vnc) of level "${this.options.level}"`,
      () => this.lastOutput.get('x11vnc') ?? '',
    );
    // The remote display gives keyboard and screen without a password: once x11vnc listens, its
    // socket and folder become the daemon's alone, so that no other process of the level's
    // account (another level's, in the embedded default's shared account) can connect.
    if (this.options.account) {
      await chown(this.vncSocket, uid, gid);
      await chmod(this.vncSocket, 0o600);
      await chown(this.options.places.vnc, uid, gid);
      await chmod(this.options.places.vnc, 0o700);
    }
  }

  private async run(
    name: DisplayProcess,
    what: { argv: string[]; mounts: Mount[]; env: Record<string, string> },
  ): Promise<Sandbox> {
    const sandbox = await startSandbox({
      argv: what.argv,
      mounts: what.mounts,
      masked: [],
      network: 'none',
      hostname: `${this.options.level}-${name}`,
      env: sandboxEnv({}, { HOME: '/tmp', ...what.env }),
      cwd: '/',
      ...(this.options.account ? { account: this.options.account } : {}),
      onOutput: (text) => {
        this.lastOutput.set(name, ((this.lastOutput.get(name) ?? '') + text).slice(-600));
        this.options.log(name, text);
      },
    });
    const supervised: Supervised = { name, sandbox };
    this.sandboxes.push(supervised);
    void sandbox.exited.then((code) => {
      // Killed by a mend or a stop: expected, not an end to mend.
      if (this.stopped || supervised.ended !== undefined) return;
      supervised.ended = code;
      this.options.log(name, `exited with ${code}\n`);
      this.ended();
    });
    return sandbox;
  }
}

/** Whether a server listens on the Unix socket `path` (connects, then hangs up at once). */
function accepts(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Polls for `path` until it exists; fails early when the process that should create it exits. */
async function waitFor(
  path: string,
  sandbox: Sandbox,
  timeoutMs: number,
  what: string,
  output: () => string,
): Promise<void> {
  let exited: number | undefined;
  void sandbox.exited.then((code) => (exited = code));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (
      await access(path).then(
        () => true,
        () => false,
      )
    )
      return;
    const said = output().trim().split('\n').slice(-3).join(' ');
    if (exited !== undefined) {
      throw new CloisonError(
        'DISPLAY_FAILED',
        `${what} exited with ${exited} before it was ready${said ? `: ${said}` : ''}.`,
      );
    }
    if (Date.now() > deadline) {
      throw new CloisonError('DISPLAY_FAILED', `${what} was not ready within ${timeoutMs} ms.`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}
