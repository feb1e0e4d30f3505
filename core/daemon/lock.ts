// One daemon per state folder: a lock file created exclusively, holding the owner's pid and the
// kernel's start time of that process. A lock left by a daemon that died (kill -9) is taken over,
// also when its pid has since been given to another process (the start times differ).
import { readFileSync } from 'node:fs';
import { open, readFile, unlink } from 'node:fs/promises';
import { CloisonError } from '../contract/errors.js';

/** A process's start time in clock ticks since boot (/proc/PID/stat, field 22); undefined: gone. */
export function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command may hold spaces and parentheses: fields start after the last ')', at field 3.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** The lock's text for a process: `pid starttime`. */
export function lockText(pid: number): string {
  return `${pid} ${startTimeOf(pid) ?? '?'}\n`;
}

/** Whether the lock's text names a live process: the same pid, started at the same moment. */
export function heldBy(text: string): number | undefined {
  const [pidText, started] = text.trim().split(' ');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const now = startTimeOf(pid);
  if (now === undefined) return undefined;
  // An older lock holds a pid alone: trusted only while that pid lives, as before.
  if (started !== undefined && started !== now) return undefined;
  return pid;
}

export async function acquireLock(path: string): Promise<() => Promise<void>> {
  const mine = lockText(process.pid);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(mine);
      await handle.sync();
      await handle.close();
      return async () => {
        const owner = await readFile(path, 'utf8').catch(() => '');
        if (owner === mine) await unlink(path).catch(() => {});
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = heldBy(await readFile(path, 'utf8').catch(() => ''));
      if (owner !== undefined && owner !== process.pid) {
        throw new CloisonError(
          'INTERNAL',
          `Another cloisond (pid ${owner}) already serves this state folder (lock ${path}).`,
        );
      }
      await unlink(path).catch(() => {});
    }
  }
  throw new CloisonError('INTERNAL', `Cannot take the lock ${path}: another daemon is starting.`);
}
