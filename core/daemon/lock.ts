// One daemon per state folder: a lock file created exclusively, holding the owner's pid. A lock left
// by a daemon that died (kill -9) is recognised by its dead pid and taken over.
import { open, readFile, unlink } from 'node:fs/promises';
import { CloisonError } from '../contract/errors.js';

export async function acquireLock(path: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.sync();
      await handle.close();
      return async () => {
        const owner = await readFile(path, 'utf8').catch(() => '');
        if (owner.trim() === String(process.pid)) await unlink(path).catch(() => {});
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new CloisonError(
          'INTERNAL',
          `Another cloisond (pid ${pid}) already serves this state folder (lock ${path}).`,
        );
      }
      await unlink(path).catch(() => {});
    }
  }
  throw new CloisonError('INTERNAL', `Cannot take the lock ${path}: another daemon is starting.`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
