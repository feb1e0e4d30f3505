// Where the daemon keeps its state: the sockets, the audit log, the level homes and the lock.
// One state folder = one daemon; a system install points it at /var/lib/cloison.
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface StatePaths {
  root: string;
  /** The folder of the two sockets. */
  run: string;
  /** The levels' remote displays as the shell reaches them (relays, beside the two sockets). */
  displays: string;
  userSocket: string;
  adminSocket: string;
  audit: string;
  levels: string;
  lock: string;
  /** The embedded default as an administrator changed it (the packaged file is never written). */
  editedConfig: string;
  /** Every configuration text applied through the daemon, for history and rollback. */
  configVersions: string;
  /**
   * Memory-backed folder for ephemeral levels (their home, staging and display), private to the
   * daemon's account and to this state folder; gone at reboot, wiped when the level stops.
   */
  memory: string;
}

/** `$CLOISON_RUN` when set: the sockets' folder of a system install (e.g. /run/cloison). */
export function defaultRunDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.CLOISON_RUN ? resolve(env.CLOISON_RUN) : undefined;
}

/** `$CLOISON_STATE`, else `$XDG_STATE_HOME/cloison`, else `~/.local/state/cloison`. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CLOISON_STATE) return resolve(env.CLOISON_STATE);
  const xdg = env.XDG_STATE_HOME;
  return resolve(xdg && xdg.startsWith('/') ? xdg : join(homedir(), '.local', 'state'), 'cloison');
}

/**
 * `run`: the sockets' folder, `<root>/run` unless given (a system install puts them in
 * /run/cloison, where the service manager makes the folder).
 */
export function statePaths(root: string, options: { run?: string } = {}): StatePaths {
  const run = options.run ?? join(root, 'run');
  return {
    root,
    run,
    displays: join(run, 'displays'),
    userSocket: join(run, 'user.sock'),
    adminSocket: join(run, 'admin.sock'),
    audit: join(root, 'audit'),
    levels: join(root, 'levels'),
    lock: join(root, 'cloisond.lock'),
    editedConfig: join(root, 'config.yaml'),
    configVersions: join(root, 'config-versions'),
    memory: join(
      '/dev/shm',
      `cloison-${process.getuid?.() ?? 0}`,
      createHash('sha256').update(root).digest('hex').slice(0, 16),
    ),
  };
}

/** The level fields that decide where its folders are. */
export type LevelWhere = { id: string; ephemeral?: boolean };

/**
 * A level's folders. `dir` holds them all: on disk under `levels/<id>`, or in memory for an
 * ephemeral level. `home` is bound read-write into its compartments and is the source and target
 * of file transfers; `staging` is beside it (same file system, outside the level's sight) for
 * deliveries not yet audited; `x11` and `vnc` hold its display's sockets.
 */
export function levelPlaces(paths: StatePaths, level: LevelWhere) {
  const dir = join(level.ephemeral ? paths.memory : paths.levels, level.id);
  return {
    dir,
    home: join(dir, 'home'),
    staging: join(dir, 'staging'),
    x11: join(dir, 'x11'),
    vnc: join(dir, 'vnc'),
    /** Chromium policies of the level's web apps, written by the daemon, read-only inside. */
    web: join(dir, 'web'),
  };
}
export type LevelPlaces = ReturnType<typeof levelPlaces>;

export function levelHome(paths: StatePaths, level: LevelWhere): string {
  return levelPlaces(paths, level).home;
}

export function levelStaging(paths: StatePaths, level: LevelWhere): string {
  return levelPlaces(paths, level).staging;
}
