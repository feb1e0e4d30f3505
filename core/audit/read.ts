// Reading the audit log for administrators: entries in order (streamed), or the last few (read from
// the end). Reads the files only; checking the chain is verify.ts's job, but a line that is not an
// entry is an error here, never skipped in silence.
import { CloisonError } from '../contract/errors.js';
import type { AuditEntry } from '../contract/methods.js';
import type { StoredEntry } from './store.js';
import { isStoredEntry, lineBatches, listSegments, readTail } from './store.js';

export interface ReadOptions {
  /** Entries at or after this time (ISO 8601). */
  since?: string | Date;
  /** Entries at or before this time (ISO 8601). */
  until?: string | Date;
  /** At most this many entries. */
  limit?: number;
}

function parse(line: Buffer, where: () => string): StoredEntry {
  let value: unknown;
  try {
    value = JSON.parse(line.toString('utf8'));
  } catch {
    value = undefined;
  }
  if (!isStoredEntry(value)) {
    throw new CloisonError(
      'AUDIT_BROKEN',
      `${where()} is not an audit entry: run "cloison audit verify" to find out what happened`,
    );
  }
  return value;
}

function millis(value: string | Date | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  if (Number.isNaN(ms)) throw new CloisonError('INVALID_PARAMS', `${name} is not a date and time`);
  return ms;
}

/** The entries of the log in `dir`, in order, filtered by time; an incomplete last line is skipped. */
export async function* readAudit(
  dir: string,
  options: ReadOptions = {},
): AsyncGenerator<AuditEntry, void, undefined> {
  const since = millis(options.since, 'since');
  const until = millis(options.until, 'until');
  let left = options.limit ?? Infinity;
  if (left <= 0) return;
  for (const segment of await listSegments(dir)) {
    for await (const batch of lineBatches(segment.path)) {
      for (let i = 0; i < batch.lines.length; i++) {
        const entry = parse(
          batch.lines[i] as Buffer,
          () => `line ${batch.firstLineNo + i} of ${segment.path}`,
        );
        const time = Date.parse(entry.time);
        if (since !== undefined && !(time >= since)) continue;
        if (until !== undefined && !(time <= until)) continue;
        yield entry;
        if (--left <= 0) return;
      }
    }
  }
}

/** The last `count` entries of the log in `dir`, oldest first, read from the end of the log. */
export async function tailAudit(dir: string, count: number): Promise<AuditEntry[]> {
  const found: AuditEntry[][] = [];
  let left = count;
  const segments = await listSegments(dir);
  for (let i = segments.length - 1; i >= 0 && left > 0; i--) {
    const segment = segments[i];
    if (segment === undefined) continue;
    const tail = await readTail(segment.path, left);
    found.unshift(
      tail.lines.map((line) => parse(line, () => `an entry near the end of ${segment.path}`)),
    );
    left -= tail.lines.length;
  }
  return found.flat();
}
