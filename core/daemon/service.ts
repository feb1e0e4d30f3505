// The daemon's state and its API handlers: the configuration in force, the audit log, the broker,
// the sessions and their subscriptions. Every handler receives params the contract already
// validated; this is where each method meets the code that does it.
import type { RelayAccess } from '../display/relay.js';
import { mkdir, rm } from 'node:fs/promises';
import { AuditLog, readAudit, tailAudit, verifyAudit } from '../audit/index.js';
import { matchesFilter } from '../audit/filter.js';
import { AdminSessions } from '../admin/sessions.js';
import { closeAbandoned } from '../broker/abandoned.js';
import { actorOf, Broker } from '../broker/broker.js';
import { ClipboardBuffers } from '../broker/capture.js';
import { resolveLevels } from '../broker/steps.js';
import { ConfigEditor } from '../admin/config-editor.js';
import { ConfigError, defaultConfigFile, loadConfig, type LoadedConfig } from '../config/index.js';
import { ConfigVersions } from '../config/versions.js';
import { existsSync } from 'node:fs';
import { CloisonError } from '../contract/errors.js';
import type { AuditEntry, Event, LevelInfo } from '../contract/methods.js';
import { listFolder } from '../files/list.js';
import { Levels } from '../levels/levels.js';
import { KioskSupervisor } from '../kiosk/kiosk.js';
import { mayLaunch, mayLaunchAgain, mayStartLevel, mayStop } from '../kiosk/policy.js';
import { decide, explainResult } from '../policy/index.js';
import { levelHome, type StatePaths } from '../state/paths.js';
import type { Handlers, Session } from './dispatch.js';

export const VERSION = '0.1.0';

export interface ServiceOptions {
  paths: StatePaths;
  configFile: string;
  rulesDir?: string;
  log: (line: string) => void;
  /** Who may reach the levels' remote displays: those who may use the user socket. */
  displayAccess?: RelayAccess;
  /** The user socket serves a group of accounts (`--user-group`): each account is a person. */
  sharedUserSocket?: boolean;
}

export class Service {
  private loaded: LoadedConfig;
  private loadedAt = new Date();
  readonly sessions = new Set<Session>();
  readonly broker: Broker;
  readonly levels: Levels;
  readonly clipboardBuffers: ClipboardBuffers;
  readonly admins: AdminSessions;
  readonly editor: ConfigEditor;
  readonly kiosk: KioskSupervisor;
  /** The main file in force: the one given, or the state folder's copy once the default was edited. */
  private configFile: string;

  private constructor(
    private readonly options: ServiceOptions,
    readonly audit: AuditLog,
    loaded: LoadedConfig,
    configFile: string,
  ) {
    this.loaded = loaded;
    this.configFile = configFile;
    this.levels = new Levels({
      paths: options.paths,
      configFile: options.configFile,
      ...(options.rulesDir ? { rulesDir: options.rulesDir } : {}),
      // A level the kiosk hides is no one's to see but the daemon's: its relay is owner-only.
      displayAccess: (level) =>
        mayStartLevel(this.loaded.config, level).allowed
          ? (options.displayAccess ?? { mode: 0o600 })
          : { mode: 0o600 },
      config: () => this.loaded.config,
      audit: async (fields) => {
        await audit.append({ actor: 'cloisond', event: 'level', ...fields });
      },
      changed: (level) => this.emit({ type: 'level.updated', level }),
      log: options.log,
      appEnded: (app) => this.kiosk.appEnded(app),
      displayHealed: (level, outcome, message) =>
        this.emit({ type: 'level.display', level, outcome, message }),
    });
    this.admins = new AdminSessions({
      settings: () => this.loaded.config.administration,
      audit: async (fields) => {
        await audit.append(fields);
      },
    });
    const packagedDefault = () => this.configFile === defaultConfigFile;
    this.editor = new ConfigEditor({
      current: () => ({ loaded: this.loaded, file: this.configFile }),
      target: () => (packagedDefault() ? options.paths.editedConfig : this.configFile),
      packagedDefault,
      ...(options.rulesDir ? { rulesDir: options.rulesDir } : {}),
      versions: new ConfigVersions(options.paths.configVersions),
      auditDir: options.paths.audit,
      audit: async (fields) => {
        await audit.append(fields);
      },
      install: (next, file, actor) => this.install(next, file, actor),
    });
    this.broker = new Broker({
      config: () => this.loaded,
      audit,
      paths: options.paths,
      emit: (event, only) => this.emit(event, only),
      levels: this.levels,
      accountsArePeople: options.sharedUserSocket === true,
    });
    this.clipboardBuffers = new ClipboardBuffers({
      broker: this.broker,
      levels: this.levels,
      maxBytes: () => this.loaded.config.broker.sanitiserMaxBytes,
    });
    this.kiosk = new KioskSupervisor({
      config: () => this.loaded.config,
      levels: this.levels,
      clearClipboardBuffers: () => this.clipboardBuffers.clear(),
      cancelWaitingTransfers: () =>
        this.broker.cancelWaiting('cloisond (kiosk reset)', 'the kiosk session was reset'),
      endLogins: async (reason) => {
        let closed = 0;
        for (const session of this.sessions)
          if (session.login && (await this.admins.logout(session, reason))) closed++;
        return closed;
      },
      emit: (event) => this.emit(event),
      audit: async (fields) => {
        await audit.append(fields);
      },
      log: options.log,
    });
  }

  /** Loads the configuration (refusing to start on an invalid one), opens the audit log. */
  static async start(options: ServiceOptions): Promise<Service> {
    // The embedded default, once an administrator changed it, lives on in the state folder.
    const configFile =
      options.configFile === defaultConfigFile && existsSync(options.paths.editedConfig)
        ? options.paths.editedConfig
        : options.configFile;
    const loaded = await loadConfig(
      configFile,
      options.rulesDir ? { rulesDir: options.rulesDir } : {},
    );
    await mkdir(options.paths.audit, { recursive: true, mode: 0o700 });
    const audit = await AuditLog.open(options.paths.audit, {
      segmentBytes: loaded.config.broker.audit.segmentBytes,
    });
    const service = new Service(options, audit, loaded, configFile);
    await service.levels.prepare(true);
    // Before this start's entry: what the previous run left waiting is closed in its own run.
    const abandoned = await closeAbandoned(audit, options.paths.audit);
    if (abandoned > 0)
      options.log(`${abandoned} waiting transfers of the previous run closed as abandoned`);
    await audit.append({
      actor: 'cloisond',
      event: 'daemon.started',
      version: VERSION,
      pid: process.pid,
      config: { digest: loaded.digest, sources: loaded.sources },
    });
    audit.onAppended((entry) => service.emitToReaders({ type: 'audit.entry', entry }));
    // Autostart apps come up in the background: the sockets do not wait for the displays.
    void service.kiosk.start();
    audit.onStatusChange((available: boolean, reason?: string) => {
      service.emit({ type: 'audit.status', available, ...(reason ? { reason } : {}) });
    });
    return service;
  }

  /** Re-reads the configuration. An invalid one is refused whole and audited; the old one stays. */
  async reload(
    actor: string,
  ): Promise<{ digest: string; levels: number; rules: number; warnings: string[] }> {
    let next: LoadedConfig;
    try {
      next = await loadConfig(
        this.configFile,
        this.options.rulesDir ? { rulesDir: this.options.rulesDir } : {},
      );
    } catch (err) {
      const problems = err instanceof ConfigError ? err.problems.map(String) : [String(err)];
      const message = err instanceof Error ? err.message : String(err);
      await this.audit.append({
        actor,
        event: 'config.refused',
        kept: this.loaded.digest,
        problems: err instanceof ConfigError ? err.problems : [message],
      });
      this.emit({ type: 'config.refused', errors: problems }, { role: 'admin' });
      if (err instanceof CloisonError) throw err;
      throw new CloisonError('INVALID_CONFIG', message);
    }
    await this.audit.append({
      actor,
      event: 'config.reloaded',
      previous: this.loaded.digest,
      digest: next.digest,
      sources: next.sources,
    });
    await this.install(next, this.configFile, actor);
    return {
      digest: next.digest,
      levels: next.config.levels.length,
      rules: next.config.rules.length,
      warnings: next.warnings,
    };
  }

  /** Puts a validated configuration in force, read from `file`. */
  private async install(next: LoadedConfig, file: string, actor: string): Promise<void> {
    this.loaded = next;
    this.configFile = file;
    this.loadedAt = new Date();
    // Transfers waiting for a confirmation or an approval are decided again under the new rules.
    await this.broker.rulesChanged(actor);
    await this.levels.stopRemoved(actor);
    await this.levels.prepare(false);
    await this.levels.refreshDisplayAccess();
    void this.kiosk.start();
    this.emit({ type: 'config.reloaded', digest: next.digest });
  }

  /**
   * A kiosk's user reaches only the levels it offers, whatever the call (files, clipboard, logs):
   * a level it hides is not a place to put, read or hide anything in. Administrators are not bound.
   */
  private offered(session: Session, ...levels: string[]): void {
    if (isAdministrator(session)) return;
    for (const level of levels) allowedByKiosk(mayStartLevel(this.loaded.config, level));
  }

  /** Whether `session` may know of `level`: any level, but for a kiosk's user one it offers. */
  private sees(session: Session, level: string): boolean {
    return isAdministrator(session) || mayStartLevel(this.loaded.config, level).allowed;
  }

  /** To subscribed sessions that may read the audit log (admin socket, or an admin or auditor login). */
  emitToReaders(event: Event): void {
    for (const session of this.sessions) {
      if (!session.subscribed) continue;
      if (session.role === 'admin' || session.login) session.notify(event);
    }
  }

  maxMessageBytes(): number {
    return this.loaded.config.broker.maxMessageBytes;
  }

  emit(event: Event, only?: { session?: string; role?: 'user' | 'admin' }): void {
    const follows = this.transferFollowers(event);
    // A level's own news (its state, its display) goes only to those who may know of it.
    const level =
      event.type === 'level.updated'
        ? event.level.level
        : event.type === 'level.display' || event.type === 'kiosk.app'
          ? event.level
          : undefined;
    for (const session of this.sessions) {
      if (!session.subscribed) continue;
      if (only?.session && session.id !== only.session) continue;
      if (only?.role && session.role !== only.role && session.login?.role !== only.role) continue;
      if (follows && !follows(session)) continue;
      if (level !== undefined && !this.sees(session, level)) continue;
      session.notify(event);
    }
  }

  /**
   * Who may follow a transfer's events (names, types, levels): its requester's sessions (the same
   * account, by the kernel's word), the admin socket and logged-in administrators and auditors,
   * who read the same in the audit log. Never another user of a shared user socket.
   */
  private transferFollowers(event: Event): ((session: Session) => boolean) | undefined {
    const id =
      event.type === 'transfer.updated'
        ? event.transfer.id
        : event.type === 'transfer.progress' ||
            event.type === 'transfer.sanitising' ||
            event.type === 'transfer.started'
          ? event.id
          : undefined;
    if (id === undefined) return undefined;
    const requester = this.broker.requesterOf(id);
    return (session) =>
      session.role === 'admin' ||
      session.login !== undefined ||
      session.id === requester?.requesterSession ||
      (requester?.requesterUid !== undefined && session.peer?.uid === requester.requesterUid);
  }

  async stop(): Promise<void> {
    this.kiosk.stop();
    this.broker.close();
    await this.levels.stopAll('cloisond (stopping)');
    // Ephemeral levels' memory folder: nothing of it stays in RAM once the daemon is gone.
    await rm(this.options.paths.memory, { recursive: true, force: true }).catch(() => undefined);
    await this.audit
      .append({ actor: 'cloisond', event: 'daemon.stopped', pid: process.pid })
      .catch(() => {});
    await this.audit.close();
  }

  handlers(): Handlers {
    return {
      'session.hello': (params, session) => {
        session.actor = params.actor;
        return { session: session.id, role: session.role };
      },
      'session.login': (params, session) =>
        this.admins.login(session, params.account, params.passphrase),
      'session.logout': async (_params, session) => ({
        closed: await this.admins.logout(session, 'logged out'),
      }),
      'session.whoami': (_params, session) => ({
        session: session.id,
        socket: session.role,
        actor: session.actor,
        ...(session.peer ? { peer: { ...session.peer } } : {}),
        ...(session.login
          ? {
              login: {
                ...session.login,
                openedAt: session.login.openedAt.toISOString(),
                idleMinutes: this.loaded.config.administration.idleMinutes,
              },
            }
          : {}),
      }),
      'daemon.status': () => ({
        version: VERSION,
        pid: process.pid,
        stateDir: this.options.paths.root,
        config: {
          digest: this.loaded.digest,
          loadedAt: this.loadedAt.toISOString(),
          source: this.configFile,
        },
        audit: {
          available: this.audit.available,
          ...(this.audit.unavailableReason ? { reason: this.audit.unavailableReason } : {}),
          lastSeq: this.audit.lastSeq,
        },
      }),
      // A kiosk's users see only the levels it offers: names, states, apps and displays alike.
      'levels.list': (_params, session) => ({
        levels: this.loaded.config.levels.filter((l) => this.sees(session, l.id)).map(levelInfo),
      }),
      'levels.start': async (params, session) => {
        if (!isAdministrator(session))
          allowedByKiosk(mayStartLevel(this.loaded.config, params.level));
        return (await this.levels.start(params.level, actorOf(session))).state();
      },
      'levels.stop': (params, session) => {
        if (!isAdministrator(session))
          allowedByKiosk(mayStop(this.loaded.config, params.level, `level "${params.level}"`));
        return this.levels.stop(params.level, actorOf(session));
      },
      'levels.status': (params, session) => {
        if (params.level) this.offered(session, params.level);
        return {
          levels: this.levels.status(params.level).filter((l) => this.sees(session, l.level)),
        };
      },
      'levels.log': (params, session) => {
        this.offered(session, params.level);
        return this.levels.log(params.level, params.count);
      },
      'apps.launch': async (params, session) => {
        // The kiosk's word is the daemon's: a shell or a script on the user socket asking directly
        // is refused like the UI, which merely hides the launcher.
        this.levels.level(params.level);
        if (!isAdministrator(session)) {
          allowedByKiosk(mayLaunch(this.loaded.config, params.level, params.app));
          const runs = this.levels
            .status(params.level)
            .some((l) => l.apps.some((a) => a.app === params.app && a.state === 'running'));
          if (runs) allowedByKiosk(mayLaunchAgain(this.loaded.config, params.level, params.app));
        }
        const launched = await this.levels.launchApp(params.level, params.app, actorOf(session));
        this.kiosk.launched(params.level, params.app);
        return launched;
      },
      'kiosk.status': () => this.kiosk.status(),
      'kiosk.activity': () => this.kiosk.activity(),
      'apps.stop': (params, session) => {
        if (!isAdministrator(session))
          allowedByKiosk(mayStop(this.loaded.config, params.level, `app "${params.id}"`));
        return this.levels.stopApp(params.level, params.id, actorOf(session));
      },
      'compartments.run': (params, session) =>
        this.levels.run(params.level, params.argv, actorOf(session)),
      'clipboard.send': (params, session) => {
        this.offered(session, params.from, params.to);
        return this.broker.sendClipboard(params, session);
      },
      'files.send': (params, session) => {
        this.offered(session, params.from, params.to);
        return this.broker.sendFiles(params, session);
      },
      'clipboard.capture': (params, session) => {
        this.offered(session, params.from);
        return this.clipboardBuffers.capture(params, session);
      },
      'clipboard.paste': (params, session) => {
        this.offered(session, params.to);
        return this.clipboardBuffers.paste(params, session);
      },
      'files.list': async (params, session) => {
        this.offered(session, params.level);
        const level = this.levels.level(params.level);
        return {
          level: level.id,
          ...(await listFolder(levelHome(this.options.paths, level), params.path)),
        };
      },
      'files.preview': (params, session) => {
        this.offered(session, params.from, params.to);
        return this.broker.previewFiles(params);
      },
      // A kiosk's user hears of no transfer to or from a level it hides.
      'transfers.list': (_params, session) => ({
        transfers: this.broker
          .list(session)
          .filter((t) => this.sees(session, t.from) && this.sees(session, t.to)),
      }),
      'transfers.get': (params, session) => {
        const transfer = this.broker.get(params.id, session);
        if (!this.sees(session, transfer.from) || !this.sees(session, transfer.to))
          throw new CloisonError('NO_SUCH_TRANSFER', `There is no transfer "${params.id}".`, {
            id: params.id,
          });
        return transfer;
      },
      'transfers.confirm': (params, session) => this.broker.confirm(params.id, session),
      'transfers.cancel': (params, session) => this.broker.cancel(params.id, session),
      'events.subscribe': (_params, session) => {
        session.subscribed = true;
        return { subscribed: true as const };
      },
      'policy.explain': (params) => {
        // A level that does not exist is a mistake to name, not a question with an answer.
        resolveLevels(this.loaded.config, params.from, params.to);
        const result = decide(this.loaded.config, params);
        const explanation = explainResult(this.loaded.config, params, result, this.loaded.origins);
        return {
          decision: result.decision,
          ...(result.rule ? { rule: { ...result.rule } } : {}),
          explanation,
        };
      },
      'config.reload': (_params, session) => this.reload(actorOf(session)),
      'config.show': (_params, session) =>
        this.editor.show(
          session.role === 'admin' || session.login?.role === 'admin' ? 'admin' : 'auditor',
        ),
      'config.validate': (params) => this.editor.validate(params.text),
      'config.apply': (params, session) =>
        this.editor.apply(
          params.text,
          params.reason,
          actorOf(session),
          params.basedOn,
          session.role !== 'admin',
        ),
      'config.history': async () => ({ versions: await this.editor.history() }),
      'config.version': (params, session) =>
        this.editor.version(
          params.version,
          session.role === 'admin' || session.login?.role === 'admin' ? 'admin' : 'auditor',
        ),
      'config.rollback': (params, session) =>
        this.editor.rollback(
          params.version,
          params.reason,
          actorOf(session),
          params.basedOn,
          session.role !== 'admin',
        ),
      'config.dryRun': (params) => this.editor.dryRun(params.text, params.transfer),
      'config.replay': (params) => this.editor.replay(params.text, params.count),
      'approvals.list': () => ({ approvals: this.broker.approvals() }),
      'approvals.approve': (params, session) =>
        this.broker.approve(params.id, params.reason, session),
      'approvals.reject': (params, session) =>
        this.broker.reject(params.id, params.reason, session),
      'audit.verify': () => verifyAudit(this.options.paths.audit),
      'audit.tail': async (params) => ({
        entries: await tailAudit(this.options.paths.audit, params.count),
      }),
      'audit.search': async (params) => {
        const { since, until, limit, ...filter } = params;
        // The newest `limit` matches, in a ring: older ones make room.
        const ring: AuditEntry[] = [];
        let matched = 0;
        let scanned = 0;
        for await (const entry of readAudit(this.options.paths.audit, {
          ...(since ? { since } : {}),
          ...(until ? { until } : {}),
        })) {
          scanned++;
          if (!matchesFilter(entry, filter)) continue;
          ring[matched % limit] = entry;
          matched++;
        }
        const start = matched > limit ? matched % limit : 0;
        const entries = [...ring.slice(start), ...ring.slice(0, start)];
        return { entries, scanned, more: matched > limit };
      },
      'audit.export': async (params) => {
        const entries = [];
        for await (const entry of readAudit(this.options.paths.audit, params)) entries.push(entry);
        return { entries };
      },
    };
  }
}

function levelInfo(level: LoadedConfig['config']['levels'][number]): LevelInfo {
  return {
    id: level.id,
    label: level.label,
    colour: level.colour,
    rank: level.rank,
    network: level.network,
    ephemeral: level.ephemeral,
    apps: level.apps.map((a) =>
      a.type === 'web'
        ? { id: a.id, label: a.label, type: a.type, url: a.url, origins: a.origins }
        : { id: a.id, label: a.label, type: a.type },
    ),
    webPermissions: level.webPermissions,
  };
}

/** The admin socket, or an administrator logged in on the user socket (the admin step). */
function isAdministrator(session: Session): boolean {
  return session.role === 'admin' || session.login?.role === 'admin';
}

function allowedByKiosk(decision: { allowed: true } | { allowed: false; reason: string }): void {
  if (!decision.allowed) throw new CloisonError('NOT_ALLOWED', decision.reason);
}
