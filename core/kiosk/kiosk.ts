// Kiosk mode at run time, in the daemon: the idle clock and the session reset (ephemeral levels
// wiped and restarted, the broker's clipboard buffers emptied, the shell sent to its start level),
// autostart apps, and their restart after a crash. The shell only reports activity and shows
// what this says; every decision that matters is taken here, on the daemon's side of the socket.
import type { Config } from '../contract/config.js';
import type { AppProcess, Event, KioskFailure, KioskStatus } from '../contract/methods.js';
import { decideRestart, restartDelay } from './healing.js';
import { isAutostart, launchableApps, offeredLevels, startLevel } from './policy.js';

const ACTOR = 'cloisond (kiosk)';

export interface KioskDeps {
  config: () => Config;
  levels: {
    launchApp(level: string, app: string, actor: string): Promise<AppProcess>;
    start(level: string, actor: string): Promise<unknown>;
    /** Stops an ephemeral level (its home goes with it) or, stopped, wipes its home; says if it ran. */
    wipeEphemeral(level: string, actor: string): Promise<boolean>;
    status(): { level: string; running: boolean; apps: AppProcess[] }[];
  };
  /** Empties every session's clipboard buffer in the broker; returns how many held content. */
  clearClipboardBuffers(): number;
  /** Ends the transfers still waiting for an answer; returns how many. */
  cancelWaitingTransfers(): Promise<number>;
  /** Closes every administrator's or auditor's login on the user socket; returns how many. */
  endLogins(reason: string): Promise<number>;
  emit: (event: Event) => void;
  audit: (fields: { actor: string; event: string } & Record<string, unknown>) => Promise<void>;
  log: (line: string) => void;
  now?: () => number;
}

export class KioskSupervisor {
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly crashes = new Map<string, number[]>();
  /** The last wait before restarting each app (see restartDelay). */
  private readonly delays = new Map<string, number>();
  private readonly failures = new Map<string, KioskFailure>();
  /** A reset in progress: apps it stops are not crashes, and a second reset waits for it. */
  private resetting: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly deps: KioskDeps) {}

  private get kiosk() {
    return this.deps.config().kiosk;
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  /** At daemon start and after a reload: the autostart apps that do not run yet are started. */
  async start(): Promise<void> {
    if (!this.kiosk) {
      clearTimeout(this.idleTimer);
      return;
    }
    await this.autostart();
  }

  status(): KioskStatus {
    const config = this.deps.config();
    const start = startLevel(config);
    return {
      enabled: config.kiosk !== undefined,
      levels: offeredLevels(config),
      ...(start ? { startLevel: start } : {}),
      launchable: launchableApps(config),
      idleSeconds: config.kiosk?.idleSeconds ?? 0,
      failures: [...this.failures.values()],
    };
  }

  /**
   * The person at the shell did something: the idle clock starts again. The clock runs only after
   * activity, so an unattended kiosk is reset once, not every `idleSeconds`; and it is the daemon's,
   * so a shell that dies or goes silent still gets its session reset.
   */
  activity(): { idleSeconds: number } {
    const seconds = this.kiosk?.idleSeconds ?? 0;
    clearTimeout(this.idleTimer);
    if (seconds > 0 && !this.stopped) {
      this.idleTimer = setTimeout(() => {
        void this.reset(`no activity for ${seconds} s`).catch((err: unknown) =>
          this.deps.log(`kiosk: the idle reset failed: ${String(err)}`),
        );
      }, seconds * 1000);
      this.idleTimer.unref();
    }
    return { idleSeconds: seconds };
  }

  /** The session reset: one at a time. */
  reset(reason: string): Promise<void> {
    this.resetting ??= this.resetNow(reason).finally(() => (this.resetting = undefined));
    return this.resetting;
  }

  private async resetNow(reason: string): Promise<void> {
    clearTimeout(this.idleTimer);
    const config = this.deps.config();
    // First what a next person must not find: the broker's buffers, then the ephemeral homes.
    const buffers = this.deps.clearClipboardBuffers();
    // Nor an administrator's login left open, nor a request of the last person to answer.
    const logins = await this.deps.endLogins('kiosk reset');
    const transfers = await this.deps.cancelWaitingTransfers();
    const offered = new Set(offeredLevels(config));
    const wiped: string[] = [];
    const restart: string[] = [];
    for (const level of config.levels) {
      if (!level.ephemeral || !offered.has(level.id)) continue;
      if (await this.deps.levels.wipeEphemeral(level.id, ACTOR)) restart.push(level.id);
      wiped.push(level.id);
    }
    this.crashes.clear();
    this.delays.clear();
    this.failures.clear();
    const start = startLevel(config);
    await this.deps.audit({
      actor: ACTOR,
      event: 'kiosk.reset',
      reason,
      wiped,
      clipboardBuffers: buffers,
      loginsClosed: logins,
      transfersCancelled: transfers,
    });
    this.deps.log(`kiosk: session reset (${reason}); wiped ${wiped.join(', ') || 'no level'}`);
    this.deps.emit({ type: 'kiosk.reset', reason, ...(start ? { startLevel: start } : {}) });
    for (const level of restart) await this.deps.levels.start(level, ACTOR).catch(() => undefined);
    await this.autostart();
  }

  /** A user (re)launched an app: a failure shown for it is over. */
  launched(level: string, app: string): void {
    const key = `${level}/${app}`;
    if (this.failures.delete(key)) this.crashes.delete(key);
  }

  /** An app ended without being asked to (crashed, killed from outside, or exited on its own). */
  appEnded(info: AppProcess): void {
    const kiosk = this.kiosk;
    if (!kiosk || !info.app || this.resetting || this.stopped) return;
    const app = info.app;
    if (!isAutostart(kiosk, info.level, app)) return;
    const key = `${info.level}/${info.app}`;
    const decision = decideRestart(this.crashes.get(key) ?? [], this.now(), kiosk.restart);
    this.crashes.set(key, decision.history);
    const how = info.exitCode !== undefined ? ` (exit status ${info.exitCode})` : '';
    if (decision.action === 'give-up') {
      this.givenUp(
        info.level,
        app,
        decision.crashes,
        `${info.app} of level ${info.level} is not restarted: ${decision.reason}.`,
      );
      return;
    }
    const ran =
      Date.parse(info.endedAt ?? new Date(this.now()).toISOString()) - Date.parse(info.startedAt);
    const delay = restartDelay(Number.isFinite(ran) ? ran : 0, this.delays.get(key) ?? 0);
    this.delays.set(key, delay);
    const relaunch = () =>
      this.resetting || this.stopped
        ? Promise.resolve(undefined)
        : this.deps.levels.launchApp(info.level, app, `${ACTOR}: restart after it ended${how}`);
    void (
      delay > 0 ? new Promise<void>((r) => setTimeout(r, delay).unref()).then(relaunch) : relaunch()
    ).then(
      (launched) => {
        // Not relaunched: a reset or the daemon's stop came during the wait.
        if (!launched) return;
        this.deps.emit({
          type: 'kiosk.app',
          level: info.level,
          app,
          outcome: 'restarted',
          crashes: decision.crashes,
          message: `${app} ended${how} and was restarted in level ${info.level}.`,
        });
      },
      // A restart that cannot even start is a failure the person sees, not a line in a log.
      (err: unknown) =>
        this.givenUp(
          info.level,
          app,
          decision.crashes,
          `${app} of level ${info.level} could not be started again: ${err instanceof Error ? err.message : String(err)}`,
        ),
    );
  }

  /** Records an app given up, audits it, then tells the shell (its error page). */
  private givenUp(level: string, app: string, crashes: number, message: string): void {
    this.failures.set(`${level}/${app}`, {
      level,
      app,
      crashes,
      since: new Date(this.now()).toISOString(),
      message,
    });
    this.deps.log(`kiosk: ${message}`);
    // The shell hears of it once the audit log has it (or could not take it).
    void this.deps
      .audit({ actor: ACTOR, event: 'kiosk.gave-up', level, app, crashes, reason: message })
      .catch(() => undefined)
      .then(() =>
        this.deps.emit({ type: 'kiosk.app', level, app, outcome: 'failed', crashes, message }),
      );
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.idleTimer);
  }

  private async autostart(): Promise<void> {
    const kiosk = this.kiosk;
    if (!kiosk || this.stopped) return;
    const running = new Set(
      this.deps.levels
        .status()
        .flatMap((s) =>
          s.apps.filter((a) => a.state === 'running').map((a) => `${a.level}/${a.app}`),
        ),
    );
    for (const { level, app } of kiosk.autostart) {
      if (running.has(`${level}/${app}`) || this.failures.has(`${level}/${app}`)) continue;
      try {
        await this.deps.levels.launchApp(level, app, `${ACTOR}: autostart`);
      } catch (err) {
        // Shown as the app's error page, like an app given up after crashes.
        this.givenUp(
          level,
          app,
          0,
          `${app} of level ${level} could not be started: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
  }
}
