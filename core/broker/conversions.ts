// The cap on conversions running at once: every sanitiser that starts throw-away compartments
// (LibreOffice, pdftoppm, libvips) takes a slot for its whole run, and the others wait their turn
// in order, told how many are ahead. One queue per daemon process: the cap is on this machine's
// CPUs and memory, whichever transfer or level asks. No I/O here: slots and their order only.
import { availableParallelism } from 'node:os';
import { CloisonError } from '../contract/errors.js';

/** The default cap: one conversion per CPU (each renderer is single-threaded or nearly). */
export const DEFAULT_PARALLEL = Math.max(1, availableParallelism());

/**
 * A waiter hears its place again this often, changed or not: the requester's client, which gives up
 * on a daemon silent for its timeout, knows the wait goes on.
 */
export const REMIND_MS = 20_000;

interface Waiter {
  start: () => void;
  ahead: (n: number) => void;
}

export class ConversionQueue {
  private running = 0;
  private readonly waiting: Waiter[] = [];

  /**
   * Runs `job` once fewer than `limit` jobs run. `onWaiting` hears how many wait ahead of it (0:
   * it is next), when it joins the queue and whenever that changes; an abort while it waits takes
   * it out of the queue, and one while it runs is the job's to honour.
   */
  async run<T>(
    limit: number,
    job: () => Promise<T>,
    options: { onWaiting?: (ahead: number) => void; signal?: AbortSignal } = {},
  ): Promise<T> {
    options.signal?.throwIfAborted();
    // A waiter is handed its slot already counted, so no newcomer takes it in between.
    if (this.running >= limit || this.waiting.length > 0) await this.wait(options);
    else this.running++;
    try {
      return await job();
    } finally {
      this.running--;
      this.next(limit);
    }
  }

  /** How many run now, and how many wait (for status and tests). */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  private wait(options: { onWaiting?: (ahead: number) => void; signal?: AbortSignal }) {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        start: () => {
          clearInterval(reminder);
          options.signal?.removeEventListener('abort', abort);
          resolve();
        },
        ahead: (n) => options.onWaiting?.(n),
      };
      const reminder = setInterval(() => {
        const place = this.waiting.indexOf(waiter);
        if (place >= 0) waiter.ahead(place);
      }, REMIND_MS);
      reminder.unref();
      const abort = () => {
        clearInterval(reminder);
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        this.told();
        reject(
          options.signal?.reason ??
            new CloisonError('CANCELLED', 'The transfer was cancelled while it waited.'),
        );
      };
      options.signal?.addEventListener('abort', abort, { once: true });
      this.waiting.push(waiter);
      waiter.ahead(this.waiting.length - 1);
    });
  }

  /** A slot is free: the first waiter starts, and the others hear that they moved up. */
  private next(limit: number): void {
    while (this.running < limit && this.waiting.length > 0) {
      const first = this.waiting.shift()!;
      this.running++;
      first.start();
    }
    this.told();
  }

  private told(): void {
    this.waiting.forEach((w, i) => w.ahead(i));
  }
}
