// Where the daemon keeps its state: the sockets, the audit log, the level homes and the lock.
// One state folder = one daemon; a system install points it at /var/lib/cloison.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface StatePaths {
  root: string;
  /** The folder of the two sockets. */
  run: string;
  userSocket: string;
  adminSocket: string;
  audit: string;
  levels: string;
  lock: string;
}

/** `$CLOISON_STATE`, else `$XDG_STATE_HOME/cloison`, else `~/.local/state/cloison`. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CLOISON_STATE) return resolve(env.CLOISON_STATE);
  const xdg = env.XDG_STATE_HOME;
  return resolve(xdg && xdg.startsWith('/') ? xdg : join(homedir(), '.local', 'state'), 'cloison');
}

export function statePaths(root: string): StatePaths {
  const run = join(root, 'run');
  return {
    root,
    run,
    userSocket: join(run, 'user.sock'),
    adminSocket: join(run, 'admin.sock'),
    audit: join(root, 'audit'),
    levels: join(root, 'levels'),
    lock: join(root, 'cloisond.lock'),
  };
}

/** A level's home: bound read-write into its compartment, the source and target of file transfers. */
export function levelHome(paths: StatePaths, levelId: string): string {
  return join(paths.levels, levelId, 'home');
}

/**
 * Where the daemon stages a delivery to a level: beside its home (same file system, so a staged
 * file is linked into place, never copied twice) but outside it, so no app of the level sees a file
 * before its audit entry is written.
 */
export function levelStaging(paths: StatePaths, levelId: string): string {
  return join(paths.levels, levelId, 'staging');
}
