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
import type { Account } from '../compartment/spawn.js';
import { Launcher, type LaunchedApp } from '../compartment/launcher.js';
import { LevelDisplay, type DisplayHealing } from '../display/display.js';
import { DisplayRelay, type RelayAccess } from '../display/relay.js';
import {
  readClipboard,
  writeClipboard,
  type ClipboardOwner,
  type SelectionItem,
} from '../display/clipboard.js';
import type { LevelPlaces } from '../state/paths.js';
import { LevelLog } from './log.js';
import { resolveArgv } from './argv.js';
import { POLICIES_IN_LEVEL } from './web-app.js';

/** Where a level's home is inside its compartments. */
export const SANDBOX_HOME = '/home/user';

export interface RuntimeOptions {
  level: Level;
  places: LevelPlaces;
  /** Where the shell reaches the level's remote display, and who may (see DisplayRelay). */
  relay: { path: string; access: RelayAccess };
  account?: Account;
  display: { width: number; height: number };
  /** Size of the level's /tmp, /run and /dev/shm. */
  tmpBytes: number;
  logLines: number;
  /** Host folders hidden from every compartment (the configuration, the state folder). */
  masked: string[];
  /** Host files hidden the same way (a configuration file right in /etc). */
  maskedFiles: string[];
  /** Appends to the audit log; a failure refuses the action (fail closed). */
  audit: (fields: Record<string, unknown>) => Promise<void>;
  /** Told whenever the level's state changes (apps started or ended, level stopped). */
  changed: (runtime: LevelRuntime) => void;
  /** Called when the last app exits of a level configured with `stopWithLastApp`. */
  idle: (runtime: LevelRuntime) => void;
  /** Called when an app ends that nobody asked to stop (crashed, killed from outside, exited). */
  appEnded?: (runtime: LevelRuntime, app: AppProcess) => void;
  /** A display process ended on its own and was restarted, or could not be (the level is lost). */
  displayHealed?: (runtime: LevelRuntime, healing: DisplayHealing) => void;
}

interface Running {
  info: AppProcess;
  app: LaunchedApp;
}

const STOP_GRACE_MS = 2000;

export class LevelRuntime {
  readonly log: LevelLog;
  private readonly apps = new Map<string, Running>();
  private owner: ClipboardOwner | undefined;
  private wipeTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  readonly startedAt = new Date();

  private launcher: Launcher | undefined;
  private relay: DisplayRelay | undefined;

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

  /** The level as configured when it started. */
  get level(): Level {
    return this.options.level;
  }

  static async start(options: RuntimeOptions): Promise<LevelRuntime> {
    const log = new LevelLog(options.logLines);
    // The display is made before the runtime it reports to: told through this once it exists.
    const made: { runtime?: LevelRuntime } = {};
    const display = await LevelDisplay.start({
      level: options.level.id,
      places: options.places,
      ...(options.account ? { account: options.account } : {}),
      width: options.display.width,
      height: options.display.height,
      log: (source, text) => log.write(source, text),
      healed: (healing) => {
        if (made.runtime && !made.runtime.stopping) options.displayHealed?.(made.runtime, healing);
      },
    });
    const runtime = new LevelRuntime(options, display, log);
    made.runtime = runtime;
    try {
      runtime.relay = await DisplayRelay.listen(
        options.relay.path,
        display.vncSocket,
        options.relay.access,
      );
      runtime.launcher = await runtime.startLauncher();
    } catch (err) {
      await runtime.relay?.close();
      await display.stop();
      throw err;
    }
    return runtime;
  }

  /**
   * The level's compartment: its home read-write, its display's socket and cookie, its network,
   * and the launcher that starts its apps inside. Once per level, so that launches stay cheap.
   */
  private startLauncher(): Promise<Launcher> {
    const screen = this.display.access();
    return Launcher.start(
      {
        mounts: [
          { kind: 'dir', host: this.options.places.home, dest: SANDBOX_HOME, mode: 'rw' },
          // Read-only: the level's apps cannot widen what its web apps may reach.
          { kind: 'dir', host: this.options.places.web, dest: POLICIES_IN_LEVEL, mode: 'ro' },
          ...screen.mounts,
          // An empty file over each hidden one (bound after /etc, so it wins).
          ...this.options.maskedFiles.map((dest) => ({
            kind: 'data' as const,
            data: new Uint8Array(),
            dest,
          })),
        ],
        masked: this.options.masked,
        network: this.options.level.network,
        hostname: this.id,
        tmpBytes: this.options.tmpBytes,
        env: this.appEnv(),
        cwd: SANDBOX_HOME,
        ...(this.options.account ? { account: this.options.account } : {}),
        // Apps write to the launcher's stderr: their output lands in the level's log.
        onOutput: (text) => this.log.write('apps', text),
      },
      (status) => {
        if (this.stopping) return;
        this.log.write('cloisond', `the level's compartment ended (status ${status})\n`);
      },
    );
  }

  private appEnv(): Record<string, string> {
    return sandboxEnv(process.env, {
      HOME: SANDBOX_HOME,
      USER: 'user',
      ...this.display.access().env,
    });
  }

  state(): LevelState {
    return {
      level: this.id,
      running: !this.stopping,
      startedAt: this.startedAt.toISOString(),
      display: {
        vncSocket: this.options.relay.path,
        width: this.options.display.width,
        height: this.options.display.height,
      },
      apps: [...this.apps.values()].map((r) => ({ ...r.info })),
    };
  }

  /** Starts `argv` in this level's compartment; `app` is the configured app, if any. */
  async launch(argv: string[], launchedBy: string, app?: string): Promise<AppProcess> {
    this.expectRunning();
    // An app started while the display is being restarted would find no X server and end at once.
    await this.display.ready();
    this.expectRunning();
    const resolved = await resolveArgv(argv, this.id);
    const id = `a-${randomBytes(6).toString('base64url')}`;
    const source = app ?? id;
    // A compartment that ended (its launcher killed from outside, out of memory) is made again.
    if (!this.launcher?.running) {
      const launcher = await this.startLauncher();
      if (this.stopping) {
        await launcher.stop();
        this.expectRunning();
      }
      this.launcher = launcher;
    }
    const launched = await this.launcher.launch({
      argv: resolved,
      env: this.appEnv(),
      cwd: SANDBOX_HOME,
    });
    // The level began to stop meanwhile: this app does not outlive it.
    if (this.stopping) {
      this.launcher.signal(launched.pid, 9);
      this.expectRunning();
    }
    const info: AppProcess = {
      id,
      level: this.id,
      ...(app ? { app } : {}),
      argv: resolved,
      ...(launched.hostPid !== undefined ? { pid: launched.hostPid } : {}),
      pidInLevel: launched.pid,
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
        pidInLevel: info.pidInLevel,
        network: this.options.level.network,
      });
    } catch (err) {
      // Fail closed: an app whose launch cannot be recorded does not run.
      this.launcher.signal(launched.pid, 9);
      await launched.exited;
      throw err;
    }
    this.apps.set(id, { info, app: launched });
    // As JSON: an argument's newline cannot make a line of its own that reads like the daemon's.
    this.log.write('cloisond', `${source} started: ${JSON.stringify(resolved)}\n`);
    void launched.exited.then((code) => this.exited(id, code));
    this.options.changed(this);
    return { ...info };
  }

  /** Stops one app (see `terminate`) and audits it. */
  async stopApp(id: string, actor: string): Promise<AppProcess> {
    const running = this.apps.get(id);
    if (!running) {
      throw new CloisonError('NO_SUCH_APP', `Level "${this.id}" runs no app "${id}".`, { id });
    }
    running.info.state = 'stopped';
    await this.terminate(running.app);
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
    // Every app asked to end (SIGTERM to its group), then, after the grace period, the
    // compartment goes whole: no per-app scan, which an app flooding its output could slow down.
    const ended = Promise.all([...this.apps.values()].map((r) => r.app.exited));
    for (const running of this.apps.values()) this.launcher?.signal(running.app.pid, 15);
    await Promise.race([ended, new Promise((r) => setTimeout(r, STOP_GRACE_MS))]);
    // Whatever an app left running in the level (a daemon it forked) ends with the compartment.
    await this.launcher?.stop();
    await this.owner?.wipe();
    await this.relay?.close();
    await this.display.stop();
  }

  /** Who may reach the level's display through its relay (see Levels.refreshDisplayAccess). */
  async setDisplayAccess(access: RelayAccess): Promise<void> {
    await this.relay?.setAccess(access);
  }

  /** The remote display's own socket (x11vnc's), the daemon's alone; the shell uses the relay. */
  get displaySocket(): string {
    return this.display.vncSocket;
  }

  /** Every host pid of this level (the sandboxes' monitors and what runs inside them). */
  async pids(): Promise<number[]> {
    const roots = [...this.display.pids()];
    if (this.launcher) roots.push(this.launcher.sandbox.process.pid!);
    return descendantsOf(roots);
  }

  /**
   * Stops one app: SIGTERM to its process group and to what it started, SIGKILL to them after a
   * grace period; resolves once its first process has ended.
   */
  private async terminate(app: LaunchedApp): Promise<void> {
    let done = false;
    void app.exited.then(() => (done = true));
    const signalAll = async (signal: 'SIGTERM' | 'SIGKILL') => {
      // Children that left its process group are still its descendants on the host: found before
      // any signal (an orphan leaves the tree), only while the app runs (once it has ended, its pid
      // may be another's), and for half a second at most (a scan of /proc can crawl while the app
      // floods its output: then its group is signalled without them).
      const scan = app.hostPid && !done ? descendantsOf([app.hostPid]) : Promise.resolve([]);
      const inside = await Promise.race([
        scan,
        new Promise<number[]>((r) => setTimeout(() => r([]), 500)),
      ]);
      this.launcher?.signal(app.pid, signal === 'SIGTERM' ? 15 : 9);
      for (const pid of inside) {
        try {
          process.kill(pid, signal);
        } catch {
          // Already gone.
        }
      }
    };
    const waitFor = async (ms: number) => {
      const deadline = Date.now() + ms;
      while (!done && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    };
    await signalAll('SIGTERM');
    await waitFor(STOP_GRACE_MS);
    if (done) return;
    await signalAll('SIGKILL');
    await waitFor(STOP_GRACE_MS);
    if (done) return;
    // The launcher does not tell this app's end (hung, or its answers lost): the compartment goes,
    // and every app of the level with it. Never a stop that waits for ever.
    this.log.write(
      'cloisond',
      'an app did not end when killed: the level’s compartment is ended\n',
    );
    await this.launcher?.stop();
    await app.exited;
  }

  async readClipboard(maxBytes: number): Promise<SelectionItem[]> {
    this.expectRunning();
    await this.display.ready();
    return readClipboard(this.clipboardContext(), { maxBytes });
  }

  /**
   * Puts delivered content on this level's clipboard; after `wipeSeconds` (0: never) it is wiped,
   * unless an app of the level has put something else there since.
   */
  async writeClipboard(item: SelectionItem, wipeSeconds: number): Promise<void> {
    this.expectRunning();
    await this.display.ready();
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
    if (info.state === 'exited' && !this.stopping) this.options.appEnded?.(this, { ...info });
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

/** `roots` and all their descendants, from /proc (parent links). */
export async function descendantsOf(roots: number[]): Promise<number[]> {
  const parents = new Map<number, number>();
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  // Read in parallel batches: one at a time, a busy machine's /proc takes seconds to walk, and a
  // stop that gives up on the scan leaves out the children that left the app's process group.
  for (let i = 0; i < pids.length; i += 64) {
    await Promise.all(
      pids.slice(i, i + 64).map(async (name) => {
        try {
          const text = await readFile(`/proc/${name}/stat`, 'utf8');
          // The command may hold spaces and parentheses: the fields start after the last ')'.
          const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
          parents.set(Number(name), Number(fields[1]));
        } catch {
          // Gone meanwhile.
        }
      }),
    );
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
