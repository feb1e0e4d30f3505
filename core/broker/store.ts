// The transfers the broker is holding: those waiting for the user (`ask`) or an administrator
// (`approve`), and recently finished ones, so that a requester can read an outcome. In memory only:
// a restarted daemon forgets pending transfers (the audit log keeps their record).
import { randomBytes } from 'node:crypto';
import { CloisonError } from '../contract/errors.js';
import type { Transfer } from '../contract/methods.js';

export interface Held<P> {
  transfer: Transfer;
  /** What delivery needs: the sanitised clipboard items, or the scanned files. Never leaves here. */
  payload: P;
  /** The session that asked: only it may confirm, cancel or read the content. */
  requesterSession: string;
  /** The account that asked (the kernel's word): its other sessions see and may answer it too. */
  requesterUid?: number;
  timer?: NodeJS.Timeout;
}

const KEEP_FINISHED = 200;

export class TransferStore<P> {
  private readonly held = new Map<string, Held<P>>();
  private readonly finished: string[] = [];

  newId(): string {
    return `t-${randomBytes(9).toString('base64url')}`;
  }

  hold(entry: Held<P>, expiresInMs: number, onExpiry: (entry: Held<P>) => void): void {
    this.held.set(entry.transfer.id, entry);
    entry.timer = setTimeout(() => onExpiry(entry), expiresInMs);
    entry.timer.unref();
  }

  get(id: string): Held<P> {
    const entry = this.held.get(id);
    if (!entry) throw new CloisonError('NO_SUCH_TRANSFER', `There is no transfer "${id}".`, { id });
    return entry;
  }

  /** Marks a transfer finished: no longer actionable, kept a while for its requester to read. */
  finish(entry: Held<P>, transfer: Transfer): void {
    // Kept also when it was never held (allowed at once): `transfers show` finds it.
    this.held.set(transfer.id, entry);
    if (entry.timer) clearTimeout(entry.timer);
    delete entry.timer;
    entry.transfer = transfer;
    this.finished.push(transfer.id);
    while (this.finished.length > KEEP_FINISHED) {
      const old = this.finished.shift();
      if (old) this.held.delete(old);
    }
  }

  /** Remembers a transfer that finished at once (allowed or denied) for transfers.get. */
  record(entry: Held<P>): void {
    this.held.set(entry.transfer.id, entry);
    this.finish(entry, entry.transfer);
  }

  all(): Held<P>[] {
    return [...this.held.values()];
  }

  clear(): void {
    for (const entry of this.held.values()) if (entry.timer) clearTimeout(entry.timer);
    this.held.clear();
  }
}
