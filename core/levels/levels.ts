// The daemon's levels at run time: their folders (made and owned as the compartments need them,
// ephemeral ones in memory), which of them run, and the start, stop and launch calls the API serves.
import { chmod, chown, lstat, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Config, Level, WebApp } from '../contract/config.js';
import { CloisonError } from '../contract/errors.js';
import type { AppProcess, LevelState } from '../contract/methods.js';
import { compartmentAccount } from '../compartment/account.js';
import { SYSTEM_FOLDERS } from '../compartment/sandbox.js';
import type { Account } from '../compartment/spawn.js';
import type { SelectionItem } from '../display/clipboard.js';
import type { DisplayHealing } from '../display/display.js';
import { cleanPartials } from '../files/index.js';
import { levelPlaces, type StatePaths } from '../state/paths.js';
import { displaysFolder, type RelayAccess } from '../display/relay.js';
import { LevelRuntime } from './runtime.js';
import {
  browserArgv,
  browserPolicy,
  CHROMIUM,
  CHROMIUM_ETC,
  policyFile,
  webAppRefusal,
} from './web-app.js';

export interface LevelsOptions {
  paths: StatePaths;
  configFile: string;
  /** The drop-in folder, when not `rules.d` beside the configuration. */
  rulesDir?: string;
  /**
   * The mode and group of a level's display relay: the user socket's, or the daemon's alone for a
   * level the kiosk hides from its users (asked at start and after each configuration change).
   */
  displayAccess: (level: string) => RelayAccess;
  config: () => Config;
  audit: (fields: Record<string, unknown>) => Promise<void>;
  changed: (state: LevelState) => void;
  log: (line: string) => void;
  /** An app ended that nobody asked to stop (the kiosk restarts autostart apps). */
  appEnded?: (app: AppProcess) => void;
  /** A level's display was restarted after a process of it ended, or was lost (the level stopped). */
  displayHealed?: (level: string, outcome: 'restarted' | 'failed', message: string) => void;
}

export class Levels {
  private readonly running = new Map<string, LevelRuntime>();
  private readonly starting = new Map<string, Promise<LevelRuntime>>();
  private readonly lastLogs = new Map<string, LevelRuntime['log']>();

  constructor(private readonly options: LevelsOptions) {}

  /**
   * Makes every level's folders. At daemon start (`fresh`), an ephemeral level's folder is wiped:
   * none runs yet, and what an earlier run left in memory is not carried over.
   */
  async prepare(fresh: boolean): Promise<void> {
    for (const level of this.options.config().levels) {
      const places = levelPlaces(this.options.paths, level);
      if (level.ephemeral) {
        await this.memoryRoot();
        if (fresh && !this.running.has(level.id))
          await rm(places.dir, { recursive: true, force: true });
      }
      await mkdir(places.dir, { recursive: true, mode: 0o700 });
      await mkdir(places.home, { recursive: true, mode: 0o700 });
      await cleanPartials(join(places.home, 'Incoming'));
      // A delivery cut off between its audit entry and its files becoming visible leaves them
      // staged: removed, never published after the fact (its entry said what was planned).
      await mkdir(places.staging, { recursive: true, mode: 0o700 });
      await cleanPartials(places.staging);
      const account = await this.accountOf(level).catch(() => undefined);
      // The level's account owns its home (file permissions separate homes outside the sandbox).
      if (account) {
        try {
          await chown(places.home, account.uid, account.gid);
        } catch (err) {
          // Root of a user namespace that does not map the account (a test's unshare): the home
          // stays the daemon's, and this level's compartments cannot start until it is mapped.
          if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err;
          this.options.log(`level ${level.id}: account ${account.name} is not mapped here`);
          continue;
        }
        await this.reachable(places.dir, level);
      }
    }
  }

  /** The account a level's compartments run as, when the daemon is root; else undefined. */
  async accountOf(level: Level): Promise<Account | undefined> {
    return compartmentAccount(level.account ?? this.options.config().broker.compartments.account);
  }

  level(id: string): Level {
    const level = this.options.config().levels.find((l) => l.id === id);
    if (!level) {
      const known = this.options
        .config()
        .levels.map((l) => l.id)
        .join(', ');
      throw new CloisonError('NO_SUCH_LEVEL', `There is no level "${id}"; levels are: ${known}.`, {
        level: id,
      });
    }
    return level;
  }

  runtime(id: string): LevelRuntime | undefined {
    return this.running.get(id);
  }

  /** The last lines of a level's log: of the running level, else of its last run (kept until the next). */
  log(id: string, count: number) {
    this.level(id);
    const runtime = this.running.get(id);
    const log = runtime?.log ?? this.lastLogs.get(id);
    return { lines: log?.tail(count) ?? [], running: runtime !== undefined };
  }

  /**
   * Stops the running levels the configuration no longer has (a reload renamed or removed them):
   * nothing of a level keeps running where no command can reach it.
   */
  async stopRemoved(actor: string): Promise<void> {
    const configured = new Set(this.options.config().levels.map((l) => l.id));
    for (const id of [...this.running.keys()].filter((id) => !configured.has(id)))
      await this.stop(id, `${actor} (the level left the configuration)`).catch(() => undefined);
  }

  /** Starts the level if it is not running (concurrent calls share one start). */
  async start(id: string, actor: string): Promise<LevelRuntime> {
    const level = this.level(id);
    const running = this.running.get(id);
    if (running) return running;
    const pending = this.starting.get(id);
    if (pending) return pending;
    const start = this.startNow(level, actor).finally(() => this.starting.delete(id));
    this.starting.set(id, start);
    return start;
  }

  async stop(id: string, actor: string): Promise<LevelState> {
    // A running level that left the configuration is still stopped, as it was configured.
    const level = this.running.get(id)?.level ?? this.level(id);
    await this.starting.get(id)?.catch(() => undefined);
    const runtime = this.running.get(id);
    if (!runtime) return { level: id, running: false, apps: [] };
    this.running.delete(id);
    this.lastLogs.set(id, runtime.log);
    await runtime.stop();
    let wiped = false;
    if (level.ephemeral) {
      // An ephemeral level loses its home when it stops.
      const places = levelPlaces(this.options.paths, level);
      await rm(places.dir, { recursive: true, force: true });
      wiped = true;
      await this.prepare(false);
    }
    await this.options
      .audit({ actor, event: 'level.stopped', level: id, ...(wiped ? { homeWiped: true } : {}) })
      .catch(() => undefined);
    const state = { ...runtime.state(), running: false, apps: runtime.state().apps };
    this.options.changed({ level: id, running: false, apps: [] });
    return state;
  }

  /**
   * An ephemeral level made new: stopped if it runs (its home goes with it), else its home wiped
   * all the same (files delivered to it while it was stopped). Returns whether it was running.
   */
  async wipeEphemeral(id: string, actor: string): Promise<boolean> {
    const level = this.level(id);
    if (!level.ephemeral) return false;
    await this.starting.get(id)?.catch(() => undefined);
    if (this.running.has(id)) {
      await this.stop(id, actor);
      return true;
    }
    await rm(levelPlaces(this.options.paths, level).dir, { recursive: true, force: true });
    await this.prepare(false);
    await this.options.audit({ actor, event: 'level.wiped', level: id }).catch(() => undefined);
    return false;
  }

  async stopAll(actor: string): Promise<void> {
    await Promise.all([...this.running.keys()].map((id) => this.stop(id, actor).catch(() => {})));
  }

  status(id?: string): LevelState[] {
    const levels = id === undefined ? this.options.config().levels : [this.level(id)];
    return levels.map(
      (l) => this.running.get(l.id)?.state() ?? { level: l.id, running: false, apps: [] },
    );
  }

  /**
   * Launches a configured app, starting its level first if needed: a native app as configured, a
   * web app in the level's own browser (the Electron shell shows web apps in partitions instead).
   */
  async launchApp(levelId: string, appId: string, actor: string): Promise<AppProcess> {
    const level = this.level(levelId);
    const app = level.apps.find((a) => a.id === appId);
    if (!app) {
      const known = level.apps.map((a) => a.id).join(', ') || 'none';
      throw new CloisonError(
        'NO_SUCH_APP',
        `Level "${levelId}" has no app "${appId}"; its apps are: ${known}.`,
        { app: appId },
      );
    }
    if (app.type === 'web') return this.launchWebApp(level, app, actor);
    const runtime = await this.start(levelId, actor);
    return runtime.launch(app.argv, actor, app.id);
  }

  /**
   * A web app outside the Electron shell: Chromium in the level's compartment, limited by a policy
   * the daemon writes where the level can read it and not change it (see web-app.ts).
   */
  private async launchWebApp(level: Level, app: WebApp, actor: string): Promise<AppProcess> {
    const refusal = webAppRefusal(app, level);
    if (refusal) throw new CloisonError('COMPARTMENT_UNAVAILABLE', refusal, { app: app.id });
    for (const [path, what] of [
      [CHROMIUM, 'the browser'],
      [CHROMIUM_ETC, 'its configuration folder'],
    ] as const) {
      if (
        !(await lstat(path).then(
          () => true,
          () => false,
        ))
      ) {
        throw new CloisonError(
          'APP_NOT_FOUND',
          `Web app "${app.id}" runs in Debian's Chromium outside the Electron shell, and ${what} (${path}) is missing: install the chromium package.`,
          { app: app.id, program: path },
        );
      }
    }
    const runtime = await this.start(level.id, actor);
    const places = levelPlaces(this.options.paths, level);
    // Written whole then renamed: a browser starting meanwhile reads the old policy or the new.
    const file = join(places.web, policyFile(app));
    const staged = `${file}.${process.pid}.tmp`;
    await writeFile(staged, JSON.stringify(browserPolicy(app, level), null, 2), { mode: 0o644 });
    await chmod(staged, 0o644);
    await rename(staged, file);
    return runtime.launch(browserArgv(app), actor, app.id);
  }

  async run(levelId: string, argv: string[], actor: string): Promise<AppProcess> {
    const runtime = await this.start(levelId, actor);
    return runtime.launch(argv, actor);
  }

  /** After a configuration change: each running level's relay gets the access it now has. */
  async refreshDisplayAccess(): Promise<void> {
    // A level still starting gets it too, once it runs (see startNow).
    await Promise.all([...this.starting.values()].map((p) => p.catch(() => undefined)));
    for (const [id, runtime] of this.running) {
      await runtime.setDisplayAccess(this.options.displayAccess(id)).catch(async (err: unknown) => {
        // Fail closed: a display that may have to be hidden and cannot be is not left open.
        this.options.log(
          `level ${id}: its display relay's access cannot be set (${String(err)}): stopping it`,
        );
        await this.stop(id, 'cloisond (display access not set)').catch(() => undefined);
      });
    }
  }

  async stopApp(levelId: string, id: string, actor: string): Promise<AppProcess> {
    this.level(levelId);
    const runtime = this.running.get(levelId);
    if (!runtime) throw notRunning(levelId);
    return runtime.stopApp(id, actor);
  }

  async readClipboard(levelId: string, maxBytes: number): Promise<SelectionItem[]> {
    this.level(levelId);
    const runtime = this.running.get(levelId);
    if (!runtime) throw notRunning(levelId, 'its clipboard cannot be read');
    return runtime.readClipboard(maxBytes);
  }

  /** Writes delivered content into the target level's clipboard, when that level runs. */
  async deliverClipboard(levelId: string, item: SelectionItem): Promise<boolean> {
    const runtime = this.running.get(levelId);
    if (!runtime) return false;
    await runtime.writeClipboard(
      item,
      this.options.config().broker.compartments.clipboardWipeSeconds,
    );
    return true;
  }

  private async startNow(level: Level, actor: string): Promise<LevelRuntime> {
    const { compartments } = this.options.config().broker;
    const account = await this.accountOf(level);
    const places = levelPlaces(this.options.paths, level);
    await this.prepare(false);
    // Display folders afresh: no stale socket of an earlier run, owned by the level's account.
    for (const dir of [places.x11, places.vnc]) {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { mode: 0o700 });
      if (account) await chown(dir, account.uid, account.gid);
    }
    // The web apps' policies: the daemon's, readable by the level's account, never writable by it.
    await rm(places.web, { recursive: true, force: true });
    await mkdir(places.web, { mode: 0o755 });
    await chmod(places.web, 0o755);
    await displaysFolder(this.options.paths.displays);
    const runtime = await LevelRuntime.start({
      level,
      places,
      relay: {
        path: join(this.options.paths.displays, `${level.id}.sock`),
        access: this.options.displayAccess(level.id),
      },
      ...(account ? { account } : {}),
      display: { width: compartments.displayWidth, height: compartments.displayHeight },
      tmpBytes: compartments.tmpBytes,
      logLines: compartments.logLines,
      ...(await this.masked()),
      audit: this.options.audit,
      changed: (r) => this.options.changed(r.state()),
      idle: (r) => {
        void this.stop(r.id, 'cloisond (last app exited)').catch(() => undefined);
      },
      appEnded: (_r, app) => this.options.appEnded?.(app),
      displayHealed: (r, healing) => void this.displayHealed(r, healing),
    });
    try {
      await this.options.audit({
        actor,
        event: 'level.started',
        level: level.id,
        network: level.network,
        ephemeral: level.ephemeral,
        ...(account ? { account: account.name } : {}),
      });
    } catch (err) {
      await runtime.stop();
      throw err;
    }
    this.running.set(level.id, runtime);
    this.options.log(`level ${level.id} started${account ? ` as ${account.name}` : ''}`);
    this.options.changed(runtime.state());
    return runtime;
  }

  /**
   * A display process of a running level ended on its own. Restarted: audited and told. Given up
   * (it keeps ending, or cannot start): the level is stopped whole, since apps without a display
   * are neither usable nor visible, and a level that says it runs must have one.
   */
  private async displayHealed(runtime: LevelRuntime, healing: DisplayHealing): Promise<void> {
    if (this.running.get(runtime.id) !== runtime) return;
    const ended = healing.ended.map((e) => `${e.process} (exit status ${e.exitCode})`).join(', ');
    if (healing.outcome === 'restarted') {
      const message = `The display of level ${runtime.id} was restarted: ${ended} ended on its own.${healing.ended.some((e) => e.process === 'xvfb') ? ' Apps that lost it have ended.' : ''}`;
      this.options.log(`level ${runtime.id}: ${message}`);
      await this.options
        .audit({
          actor: 'cloisond',
          event: 'level.display-restarted',
          level: runtime.id,
          ended: healing.ended,
          restarts: healing.restarts,
        })
        .catch(() => undefined);
      this.options.displayHealed?.(runtime.id, 'restarted', message);
      return;
    }
    const message = `Level ${runtime.id} was stopped: ${healing.reason} (${ended}).${runtime.level.ephemeral ? ' Its home, ephemeral, is gone with it.' : ''}`;
    this.options.log(`level ${runtime.id}: ${message}`);
    await this.options
      .audit({
        actor: 'cloisond',
        event: 'level.display-failed',
        level: runtime.id,
        ended: healing.ended,
        reason: healing.reason,
      })
      .catch(() => undefined);
    await this.stop(runtime.id, 'cloisond (display lost)').catch(() => undefined);
    this.options.displayHealed?.(runtime.id, 'failed', message);
  }

  /**
   * What compartments must not see although it sits in a system folder they see: the
   * configuration (every level's name and rule) and the daemon's state.
   */
  private async masked(): Promise<{ masked: string[]; maskedFiles: string[] }> {
    const configDir = dirname(this.options.configFile);
    const candidates = [
      '/etc/cloison',
      configDir,
      this.options.rulesDir ?? join(configDir, 'rules.d'),
      this.options.paths.root,
    ];
    const masked: string[] = [];
    const maskedFiles: string[] = [];
    const underSystem = (path: string) =>
      SYSTEM_FOLDERS.some((f) => path === f || path.startsWith(`${f}/`));
    for (const path of candidates) {
      if (!underSystem(path) || SYSTEM_FOLDERS.includes(path) || masked.includes(path)) continue;
      if (
        await lstat(path).then(
          (s) => s.isDirectory(),
          () => false,
        )
      )
        masked.push(path);
    }
    // A configuration right in a system folder (/etc/cloison.yaml): that folder cannot be hidden
    // whole, so the file itself is.
    if (SYSTEM_FOLDERS.includes(configDir)) maskedFiles.push(this.options.configFile);
    return { masked, maskedFiles };
  }

  /**
   * bubblewrap, which runs as the level's account, resolves every folder it binds by path: the
   * folders above a level's own must let that account through. The daemon's own (state root,
   * `levels/`, the memory folders) get search permission only (no listing); any other must have it
   * already, or the level cannot start and the error names the folder.
   */
  private async reachable(dir: string, level: Level): Promise<void> {
    const own = [
      this.options.paths.root,
      this.options.paths.levels,
      this.options.paths.memory,
      dirname(this.options.paths.memory),
      dir,
    ];
    for (let path = dir; ; path = dirname(path)) {
      const st = await lstat(path);
      if (own.includes(path)) {
        if ((st.mode & 0o011) !== 0o011) await chmod(path, (st.mode & 0o7777) | 0o011);
      } else if ((st.mode & 0o001) === 0) {
        throw new CloisonError(
          'COMPARTMENT_FAILED',
          `Level "${level.id}" cannot start: its compartments' account cannot pass through ${path} (mode ${(st.mode & 0o777).toString(8)}); give it search permission (chmod o+x) or move the state folder.`,
        );
      }
      if (path === '/') break;
    }
  }

  /** The memory folder of ephemeral levels: made private, and refused if someone else made it. */
  private async memoryRoot(): Promise<void> {
    const root = this.options.paths.memory;
    const parent = dirname(root);
    await mkdir(parent, { recursive: true, mode: 0o700 });
    const st = await lstat(parent);
    const uid = process.getuid?.() ?? 0;
    if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o066) !== 0) {
      throw new CloisonError(
        'COMPARTMENT_FAILED',
        `${parent} is not a private folder of this account (a link, someone else's, or readable or writable by others): ephemeral levels cannot keep their homes there. Remove it.`,
      );
    }
    await mkdir(root, { recursive: true, mode: 0o700 });
  }
}

function notRunning(level: string, what = 'it has no apps'): CloisonError {
  return new CloisonError(
    'LEVEL_NOT_RUNNING',
    `Level "${level}" is not running, so ${what}: start it (cloison levels start ${level}) or launch one of its apps.`,
    { level },
  );
}
