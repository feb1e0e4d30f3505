// Opening an administrator's or an auditor's session: the explicit step the shell asks for before
// any administration. The passphrase is checked against its scrypt hash, a wrong one slows down
// the next attempts at that account, and the session closes by itself when idle. Trust boundary:
// what arrives here is a guess until it matches.
import { CloisonError } from '../contract/errors.js';
import type { AdminAccount } from '../contract/config.js';
import { NO_ACCOUNT_HASH, verifyPassphrase } from './passphrase.js';

export interface LoginSettings {
  accounts: AdminAccount[];
  idleMinutes: number;
  failureDelayMs: number;
}

/** What a session holds once its step is done. */
export interface Login {
  account: string;
  role: AdminAccount['role'];
  openedAt: Date;
}

/** The wait before the next attempt after `failures` wrong passphrases in a row. */
export function failureDelay(failures: number, baseMs: number): number {
  if (failures <= 0 || baseMs <= 0) return 0;
  return Math.min(30_000, baseMs * 2 ** Math.min(failures - 1, 15));
}

interface Attempts {
  failures: number;
  /** Attempts are taken one at a time per account: a burst cannot outrun the delay. */
  queue: Promise<unknown>;
  waiting: number;
}

const MAX_WAITING = 4;

export class Logins {
  private readonly attempts = new Map<string, Attempts>();

  constructor(
    private readonly settings: () => LoginSettings,
    private readonly sleep: (ms: number) => Promise<void> = (ms) =>
      new Promise((r) => setTimeout(r, ms)),
  ) {}

  /**
   * Resolves with the login when `passphrase` is the account's; otherwise fails with
   * LOGIN_FAILED, after the account's delay, without saying whether the account exists.
   */
  async open(name: string, passphrase: string): Promise<Login> {
    const key = name.normalize('NFKC').toLowerCase();
    const state = this.attempts.get(key) ?? { failures: 0, queue: Promise.resolve(), waiting: 0 };
    this.attempts.set(key, state);
    if (state.waiting >= MAX_WAITING) {
      throw new CloisonError(
        'LOGIN_FAILED',
        `Too many attempts at once for "${name}": wait for the earlier ones to be answered.`,
      );
    }
    state.waiting++;
    const attempt = state.queue.then(async () => {
      const { accounts, failureDelayMs } = this.settings();
      await this.sleep(failureDelay(state.failures, failureDelayMs));
      const account = accounts.find((a) => a.name === name);
      // An unknown account costs as much as a known one, and answers the same.
      const ok = await verifyPassphrase(passphrase, account?.passphrase ?? NO_ACCOUNT_HASH);
      if (!ok || !account) {
        state.failures++;
        throw new CloisonError('LOGIN_FAILED', 'Wrong account or passphrase.', {
          retryAfterMs: failureDelay(state.failures, failureDelayMs),
        });
      }
      state.failures = 0;
      return { account: account.name, role: account.role, openedAt: new Date() };
    });
    state.queue = attempt.catch(() => undefined);
    try {
      return await attempt;
    } finally {
      state.waiting--;
    }
  }

  /** Failures in a row for an account (for the audit log). */
  failuresOf(name: string): number {
    return this.attempts.get(name.normalize('NFKC').toLowerCase())?.failures ?? 0;
  }
}
