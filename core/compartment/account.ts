// Which account a level's compartments run as: never root. A daemon run as root drops to the
// level's account (its own in a system install, `broker.compartments.account` otherwise); a daemon
// run as an ordinary user runs them as that user (the embedded default).
import { readFile } from 'node:fs/promises';
import { CloisonError } from '../contract/errors.js';
import type { Account } from './spawn.js';

/** undefined: no change of account (the daemon is not root). */
export async function compartmentAccount(name: string): Promise<Account | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = await readFile('/etc/passwd', 'utf8').catch(() => '');
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user !== name || uid === undefined || gid === undefined) continue;
    const account = { name, uid: Number(uid), gid: Number(gid) };
    if (!Number.isInteger(account.uid) || account.uid === 0 || account.gid === 0) {
      throw new CloisonError(
        'COMPARTMENT_FAILED',
        `The account "${name}" is root or has root's group: compartments never run as root; name an unprivileged account.`,
      );
    }
    return account;
  }
  throw new CloisonError(
    'COMPARTMENT_FAILED',
    `The account "${name}" does not exist on this machine: the daemon runs as root, so compartments need an unprivileged account (create it, or set the level's "account").`,
  );
}
