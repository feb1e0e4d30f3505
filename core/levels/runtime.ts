// One running level: its display, the compartments of its apps, its log and its clipboard. The
// daemon starts it on demand and stops it whole: every process of it, display included. Trust
// boundary: everything started here runs a level's (possibly hostile) code, as an unprivileged
// account, inside bubblewrap.
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import type { Level } from '../contract/config.js';
import { CloisonError } from '../contract/errors.js';
import type { AppProcess, LevelState } from '../contract/methods.js';
import { sandboxEnv } from '../compartment/sandbox.js';
import { killSandbox, startSandbox, type Account, type Sandbox } from '../compartment/spawn.js';
import { LevelDisplay } from '../display/display.js';
import {
  readClipboard,
  writeClipboard,
  type ClipboardOwner,
  type SelectionItem,
} from '../display/clipboard.js';
import type { LevelPlaces } from '../state/paths.js';
import { LevelLog } from './log.js';
import { resolveArgv } from './argv.js';

/** Where a level's home is inside its compartments. */
export const SANDBOX_HOME = '/home/user';

export interface RuntimeOptions {
  level: Level;
  places: LevelPlaces;
  account?: Account;
  display: { width: number; height: number };
  logLines: number;
  /** Host folders hidden from every compartment (the configuration, the state folder). */
  masked: string[];
  /** Appends to the audit log; a failure refuses the action (fail closed). */
  audit: (fields: Record<string, unknown>) => Promise<void>;
  /** Told whenever the level's state changes (apps started or ended, level stopped). */
  changed: (runtime: LevelRuntime) => void;
  /** Called when the last app exits of a level configured with `stopWithLastApp`. */
  idle: (runtime: LevelRuntime) => void;
}

interface Running {
  info: AppProcess;
  sandbox: Sandbox;
}

const STOP_GRACE_MS = 2000;

export class LevelRuntime {
  readonly log: LevelLog;
  private readonly apps = new Map<string, Running>();
  private owner: ClipboardOwner | undefined;
  private wipeTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  readonly startedAt = new Date();

  private constructor(
    private readonly options: RuntimeOptions,
    private readonly display: LevelDisplay,
    log: LevelLog,
  ) {
    this.log = log;
  }

  get id(): string {
    return this.options.level.id;
  }

  static async start(options: RuntimeOptions): Promise<LevelRuntime> {
    const log = new LevelLog(options.logLines);
    const display = await LevelDisplay.start({
      level: options.level.id,
      places: options.places,
      ...(options.account ? { account: options.account } : {}),
      width: options.display.width,
      height: options.display.height,
      log: (source, text) => log.write(source, text),
    });
    return new LevelRuntime(options, display, log);
  }

  state(): LevelState {
    return {
      level: this.id,
      running: !this.stopping,
      startedAt: this.startedAt.toISOString(),
      display: {
        vncSocket: this.display.vncSocket,
        width: this.options.display.width,
        height: this.options.display.height,
      },
      apps: [...this.apps.values()].map((r) => ({ ...r.info })),
    };
  }

  /** Starts `argv` in a new compartment of this level; `app` is the configured app, if any. */
  async launch(argv: string[], launchedBy: string, app?: string): Promise<AppProcess> {
    this.expectRunning();
    const resolved = await resolveArgv(argv, this.id);
    const screen = this.display.access();
    const id = `a-${randomBytes(6).toString('base64url')}`;
    const source = app ?? id;
    const sandbox = await startSandbox({
      argv: resolved,
      mounts: [
        { kind: 'dir', host: this.options.places.home, dest: SANDBOX_HOME, mode: 'rw' },
        ...screen.mounts,
      ],
      masked: this.options.masked,
      network: this.options.level.network,
      hostname: this.id,
      env: sandboxEnv(process.env, {
        HOME: SANDBOX_HOME,
        USER: 'user',
        ...screen.env,
      }),
      cwd: SANDBOX_HOME,
      ...(this.options.account ? { account: this.options.account } : {}),
      onOutput: (text) => this.log.write(source, text),
    });
    const info: AppProcess = {
      id,
      level: this.id,
      ...(app ? { app } : {}),
      argv: resolved,
      pid: sandbox.process.pid!,
      state: 'running',
      startedAt: new Date().toISOString(),
      launchedBy,
    };
    try {
      await this.options.audit({
        actor: launchedBy,
        event: 'app.launched',
        level: this.id,
        app,
        process: id,
        argv: resolved,
        pid: info.pid,
        network: this.options.level.network,
      });
    } catch (err) {
      // Fail closed: an app whose launch cannot be recorded does not run.
      sandbox.process.kill('SIGKILL');
      await sandbox.exited;
      throw err;
    }
    this.apps.set(id, { info, sandbox });
    this.log.write('cloisond', `${source} started: ${resolved.join(' ')}\n`);
    void sandbox.exited.then((code) => this.exited(id, code));
    this.options.changed(this);
    return { ...info };
  }

  /** Stops one app: SIGTERM to every process of its compartment, SIGKILL after a grace period. */
  async stopApp(id: string, actor: string): Promise<AppProcess> {
    const running = this.apps.get(id);
    if (!running) {
      throw new CloisonError('NO_SUCH_APP', `Level "${this.id}" runs no app "${id}".`, { id });
    }
    running.info.state = 'stopped';
    await terminate(running.sandbox);
    await this.options
      .audit({
        actor,
        event: 'app.stopped',
        level: this.id,
        process: id,
        app: running.info.app,
      })
      .catch(() => undefined);
    return { ...running.info };
  }

  /** Stops every app, then the display; nothing of the level runs afterwards. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearTimeout(this.wipeTimer);
    for (const running of this.apps.values()) running.info.state = 'stopped';
    await Promise.all([...this.apps.values()].map((r) => terminate(r.sandbox)));
    await this.owner?.wipe();
    await this.display.stop();
  }

  /** Every host pid of this level (the sandboxes' monitors and what runs inside them). */
  async pids(): Promise<number[]> {
    const roots = [
      ...this.display.pids(),
      ...[...this.apps.values()].map((r) => r.sandbox.process.pid!),
    ];
    return descendantsOf(roots);
  }

  async readClipboard(maxBytes: number): Promise<SelectionItem[]> {
    this.expectRunning();
    return readClipboard(this.clipboardContext(), { maxBytes });
  }

  /**
   * Puts delivered content on this level's clipboard; after `wipeSeconds` (0: never) it is wiped,
   * unless an app of the level has put something else there since.
   */
  async writeClipboard(item: SelectionItem, wipeSeconds: number): Promise<void> {
    this.expectRunning();
    clearTimeout(this.wipeTimer);
    await this.owner?.wipe();
    this.owner = await writeClipboard(this.clipboardContext(), item);
    if (wipeSeconds > 0) {
      const owner = this.owner;
      this.wipeTimer = setTimeout(() => {
        if (!owner.owning) return;
        void owner.wipe().then(() => this.log.write('cloisond', 'clipboard wiped\n'));
      }, wipeSeconds * 1000);
      this.wipeTimer.unref();
    }
  }

  private clipboardContext() {
    return {
      level: this.id,
      display: this.display.access(),
      ...(this.options.account ? { account: this.options.account } : {}),
      log: (source: string, text: string) => this.log.write(source, text),
    };
  }

  private exited(id: string, code: number): void {
    const running = this.apps.get(id);
    if (!running) return;
    this.apps.delete(id);
    const { info } = running;
    if (info.state === 'running') info.state = 'exited';
    info.exitCode = code;
    info.endedAt = new Date().toISOString();
    this.log.write('cloisond', `${info.app ?? id} ${info.state} (exit status ${code})\n`);
    void this.options
      .audit({
        actor: 'cloisond',
        event: 'app.exited',
        level: this.id,
        process: id,
        app: info.app,
        exitCode: code,
        state: info.state,
      })
      .catch(() => undefined);
    this.options.changed(this);
    if (this.apps.size === 0 && this.options.level.stopWithLastApp && !this.stopping)
      this.options.idle(this);
  }

  private expectRunning(): void {
    if (this.stopping) {
      throw new CloisonError('LEVEL_NOT_RUNNING', `Level "${this.id}" is stopping.`, {
        level: this.id,
      });
    }
  }
}

/**
 * SIGTERM to every process inside the sandbox (found as descendants of bubblewrap's monitor),
 * then, after a grace period, SIGKILL to the monitor: bubblewrap's init inside dies with it
 * (die-with-parent), and the kernel kills whatever is left in a PID namespace whose init died.
 */
async function terminate(sandbox: Sandbox): Promise<void> {
  let done = false;
  void sandbox.exited.then(() => (done = true));
  const inside = (await descendantsOf([sandbox.childPid])).filter((p) => p !== sandbox.childPid);
  for (const pid of inside) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
  const deadline = Date.now() + STOP_GRACE_MS;
  while (!done && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await killSandbox(sandbox);
}

/** `roots` and all their descendants, from /proc (parent links). */
export async function descendantsOf(roots: number[]): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const text = await readFile(`/proc/${name}/stat`, 'utf8');
      // The command may hold spaces and parentheses: the fields start after the last ')'.
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(name), Number(fields[1]));
    } catch {
      // Gone meanwhile.
    }
  }
  const found = new Set(roots.filter((p) => parents.has(p)));
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, parent] of parents) {
      if (!found.has(pid) && found.has(parent)) {
        found.add(pid);
        grew = true;
      }
    }
  }
  return [...found];
}
