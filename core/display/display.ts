// One level's display: an Xvfb server, a window manager and an x11vnc remote-display server, each
// in a sandbox of its own. The X socket lives in the level's own folder, never in the host's
// /tmp/.X11-unix, and the server listens on no TCP port and no abstract socket, so an app of one
// level can neither find nor reach another level's display (nor the host's through this one).
import { access, chmod, chown, constants } from 'node:fs/promises';
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
import { newCookie, xauthorityFile } from './xauth.js';

/** Inside every sandbox of a level: its display is always ":0", its authority always here. */
export const XAUTHORITY = '/run/cloison/Xauthority';
export const X_SOCKET = '/tmp/.X11-unix/X0';
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
  private readonly sandboxes: { name: string; sandbox: Sandbox }[] = [];
  private stopped = false;
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

  access(): DisplayAccess {
    return {
      mounts: [
        { kind: 'path', host: this.socket, dest: X_SOCKET, mode: 'ro' },
        { kind: 'data', data: xauthorityFile(this.cookie), dest: XAUTHORITY },
      ],
      env: { DISPLAY: ':0', XAUTHORITY },
    };
  }

  /** Every process of the display, as the host sees them (bubblewrap monitors). */
  pids(): number[] {
    return this.sandboxes.map((s) => s.sandbox.process.pid!).filter((p) => p > 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const { sandbox } of this.sandboxes.splice(0).reverse()) await killSandbox(sandbox);
  }

  private async startServer(): Promise<void> {
    const { width, height } = this.options;
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
      const uid = process.getuid?.() ?? 0;
      const gid = process.getgid?.() ?? 0;
      await chown(this.vncSocket, uid, gid);
      await chmod(this.vncSocket, 0o600);
      await chown(this.options.places.vnc, uid, gid);
      await chmod(this.options.places.vnc, 0o700);
    }
  }

  private async run(
    name: string,
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
    this.sandboxes.push({ name, sandbox });
    void sandbox.exited.then((code) => {
      if (!this.stopped) this.options.log(name, `exited with ${code}\n`);
    });
    return sandbox;
  }
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
