// The audit log writer: appends hash-chained entries durably (group commit, fsync before an append
// resolves) and fails closed. It sits inside the broker daemon, the trusted core: nothing it records
// is visible to anyone before it is on disk, and when it cannot write, every append is refused.
//
// Files in the log's folder:
// - `audit-000001.jsonl`, `audit-000002.jsonl`, …: segments of JSON Lines, one entry per line
//   (canonical.ts says what each line's hash commits to). The chain runs across segments: the
//   first entry of a segment has as `prev` the hash of the last entry of the segment before.
// - `audit.head`: the last seq and hash made durable (store.ts), so that verify notices entries cut
//   off the end of the chain, which would otherwise leave a shorter but valid chain.
// - `<segment>.partial-<time>`: bytes of an incomplete last line (a write that never completed and
//   was never acknowledged), set aside at open and recorded by an `audit.recovered` entry.
//
// What this does not protect against: anyone who can rewrite the segments *and* the head (root on
// this machine) can forge a consistent history; nothing local can catch that. Anchor the log
// elsewhere (export entries or the head's hash to another machine) to detect it.
//
// One writer per folder: two AuditLog instances (or two daemons) on the same folder would fork the
// chain; the daemon owns the folder.
import { constants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { CloisonError } from '../contract/errors.js';
import type { AuditEntry } from '../contract/methods.js';
import { ZERO_HASH, encodeEntry, sha256Hex } from './canonical.js';
import {
  HEAD_FILE,
  decodeLine,
  encodeHead,
  listSegments,
  readHead,
  readTail,
  segmentName,
} from './store.js';
import type { Segment } from './store.js';

/** What a caller records: who and what, plus any fields (never the transferred content). */
export type AuditFields = { actor: string; event: string } & Record<string, unknown>;

export interface AuditLogOptions {
  /** A segment is closed and the next one started when a batch would take it beyond this size. */
  segmentBytes?: number;
  /** Actor of the entries the log writes about itself (`audit.recovered`). */
  actor?: string;
}

export interface AuditStatus {
  available: boolean;
  /** Why appends fail, when they do. */
  reason?: string;
  /** Seq of the last durable entry (0 for an empty log). */
  lastSeq: number;
}

/** Fields the log sets itself; a caller who sets them is refused. */
const RESERVED = ['seq', 'time', 'prev', 'hash'] as const;

const DEFAULT_SEGMENT_BYTES = 16 * 1024 * 1024;

export type StatusListener = (available: boolean, reason?: string) => void;

interface Pending {
  fields: AuditFields;
  time: string;
  resolve: (entry: AuditEntry) => void;
  reject: (error: Error) => void;
}

interface Recovery {
  segment: string;
  file: string;
  size: number;
  sha256: string;
}

export class AuditLog {
  readonly dir: string;
  private readonly segmentBytes: number;
  private readonly actor: string;

  // The chain: seq and hash of the last durable entry.
  private durableSeq: number;
  private lastHash: string;

  // The segment being written. `segmentSize` is the last good offset: everything before it is
  // durable, complete lines; anything after it (a failed write) is cut off before the next write.
  private segmentIndex: number;
  private segmentSize: number;
  private segment: FileHandle | undefined;
  /** A segment was created and its directory entry is not yet known to be durable. */
  private directorySyncPending: boolean;

  private head: FileHandle | undefined;
  private headSeq: number;
  private headError: unknown;

  private queue: Pending[] = [];
  /** Entries the log owes about itself (audit.recovered) that a failed batch could not write. */
  private owed: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private closed = false;

  private isAvailable = true;
  private reason: string | undefined;
  private readonly listeners = new Set<StatusListener>();

  private constructor(
    dir: string,
    options: AuditLogOptions,
    state: {
      lastSeq: number;
      lastHash: string;
      segmentIndex: number;
      segmentSize: number;
      headSeq: number;
    },
  ) {
    this.dir = dir;
    this.segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    this.actor = options.actor ?? 'cloisond';
    this.durableSeq = state.lastSeq;
    this.lastHash = state.lastHash;
    this.segmentIndex = state.segmentIndex;
    this.segmentSize = state.segmentSize;
    this.directorySyncPending = state.segmentSize === 0;
    this.headSeq = state.headSeq;
  }

  /**
   * Opens (or creates) the log in `dir`: sets aside an incomplete last line, continues seq and prev
   * from the last entry (reading only the end of the last segment), and refuses to continue a log
   * whose end is missing according to its head (AUDIT_BROKEN): writing on would erase the evidence.
   */
  static async open(dir: string, options: AuditLogOptions = {}): Promise<AuditLog> {
    if (options.segmentBytes !== undefined && !(options.segmentBytes > 0)) {
      throw new RangeError('segmentBytes must be positive');
    }
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const segments = await listSegments(dir);
    const headRead = await readHead(dir);
    const headPath = join(dir, HEAD_FILE);
    if (headRead.state === 'corrupt') {
      throw new CloisonError(
        'AUDIT_BROKEN',
        `the audit head ${headPath} is unreadable: the end of the log cannot be checked; run "cloison audit verify" and restore the head from a backup`,
      );
    }
    if (headRead.state === 'missing' && segments.length > 0) {
      throw new CloisonError(
        'AUDIT_BROKEN',
        `the audit head ${headPath} is missing while the log has segments: the end of the log cannot be checked; run "cloison audit verify" and restore the head from a backup`,
      );
    }
    if (headRead.state === 'missing') await createHead(dir);
    const head = headRead.state === 'ok' ? headRead.head : { seq: 0, hash: ZERO_HASH };

    let lastSeq = 0;
    let lastHash = ZERO_HASH;
    let segmentIndex = 1;
    let segmentSize = 0;
    let cut: { path: string; name: string; offset: number; size: number } | undefined;

    const last = segments.at(-1);
    if (last !== undefined) {
      segmentIndex = last.index;
      const tail = await readTail(last.path, 2);
      let offset = tail.size - tail.partial.length;
      const lines = [...tail.lines];
      const lastLine = lines.at(-1);
      // A last line that does not parse is a write that never completed (the file grew but its
      // bytes did not all land): it was never acknowledged, so it is set aside with the partial.
      if (lastLine !== undefined && decodeLine(lastLine).kind === 'unparseable') {
        offset -= lastLine.length + 1;
        lines.pop();
      }
      if (offset < tail.size) cut = { path: last.path, name: last.name, offset, size: tail.size };
      segmentSize = offset;
      let found = lines.at(-1);
      // The last segment can be empty (created just before a crash, or all of it set aside): the
      // chain then continues from the end of the segment before.
      for (let i = segments.length - 2; found === undefined && i >= 0; i--) {
        const earlier = segments[i];
        if (earlier !== undefined) found = (await readTail(earlier.path, 1)).lines.at(-1);
      }
      if (found !== undefined) {
        const decoded = decodeLine(found);
        if (decoded.kind === 'unparseable') {
          throw new CloisonError(
            'AUDIT_BROKEN',
            `the last entries of the audit log in ${dir} do not parse: run "cloison audit verify"`,
          );
        }
        // An entry whose hash does not match is left as it is (verify names it); the chain goes on
        // from the hash it carries, so that nothing the log writes hides the edit.
        lastSeq = decoded.entry.seq;
        lastHash = decoded.entry.hash;
      }
    }

    if (lastSeq < head.seq || (lastSeq === head.seq && lastHash !== head.hash)) {
      throw new CloisonError(
        'AUDIT_BROKEN',
        lastSeq < head.seq
          ? `the audit log in ${dir} ends at seq ${lastSeq} but its head says ${head.seq}: entries were removed from its end; run "cloison audit verify"`
          : `the last entry of the audit log in ${dir} (seq ${lastSeq}) is not the one its head recorded; run "cloison audit verify"`,
      );
    }

    // The head lags (a crash between a batch and its head update): the entry it names must still be
    // there, a batch or so before the end; rewriting the head otherwise would erase the evidence.
    if (lastSeq > head.seq && head.seq > 0) {
      const found = await hashAt(segments, head.seq, lastSeq - head.seq + 2);
      if (found !== head.hash) {
        throw new CloisonError(
          'AUDIT_BROKEN',
          `the entry seq ${head.seq} that the head of the audit log in ${dir} recorded is not in the log as recorded; run "cloison audit verify"`,
        );
      }
    }

    let recovery: Recovery | undefined;
    if (cut !== undefined) recovery = await setAside(dir, cut);

    const log = new AuditLog(dir, options, {
      lastSeq,
      lastHash,
      segmentIndex,
      segmentSize,
      headSeq: head.seq,
    });
    // A crash between a batch and its head update leaves the head behind: bring it up to date.
    if (lastSeq > head.seq) await log.writeHead();
    if (recovery !== undefined) await log.recordRecovery(recovery);
    return log;
  }

  get available(): boolean {
    return this.isAvailable;
  }

  /** Seq of the last durable entry (0 for an empty log). */
  get lastSeq(): number {
    return this.durableSeq;
  }

  get unavailableReason(): string | undefined {
    return this.reason;
  }

  status(): AuditStatus {
    return this.reason === undefined
      ? { available: this.isAvailable, lastSeq: this.durableSeq }
      : { available: this.isAvailable, reason: this.reason, lastSeq: this.durableSeq };
  }

  /**
   * Calls `listener` whenever availability (or the reason for it) changes, so that the daemon can
   * push an `audit.status` event. Returns a function that removes the listener.
   */
  onStatusChange(listener: StatusListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private readonly appended = new Set<(entry: AuditEntry) => void>();

  /** Calls `listener` with each entry once it is on disk (the audit viewer's live tail). */
  onAppended(listener: (entry: AuditEntry) => void): () => void {
    this.appended.add(listener);
    return () => this.appended.delete(listener);
  }

  /**
   * Records one entry and resolves once it is on disk (fdatasync), with its seq, time, prev and
   * hash. Appends that arrive while a batch is being synced are written and synced together, in
   * order. Rejects with AUDIT_UNAVAILABLE when the log cannot be written; nothing of a rejected
   * entry stays in the log and its seq is reused by the next entry that is written.
   */
  append(fields: AuditFields): Promise<AuditEntry> {
    if (this.closed) {
      return Promise.reject(
        new CloisonError('AUDIT_UNAVAILABLE', `the audit log in ${this.dir} is closed`),
      );
    }
    for (const key of RESERVED) {
      if (Object.prototype.hasOwnProperty.call(fields, key)) {
        return Promise.reject(
          new CloisonError('INTERNAL', `the audit log sets "${key}" itself: a caller cannot`),
        );
      }
    }
    if (typeof fields.actor !== 'string' || typeof fields.event !== 'string') {
      return Promise.reject(
        new CloisonError('INTERNAL', 'an audit entry needs an actor and an event, as strings'),
      );
    }
    return new Promise<AuditEntry>((resolve, reject) => {
      const written = (entry: AuditEntry) => {
        resolve(entry);
        for (const listener of this.appended) listener(entry);
      };
      this.queue.push({ fields, time: new Date().toISOString(), resolve: written, reject });
      this.kick();
    });
  }

  /** Writes what is pending, then closes the files; later appends are refused. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.flushing !== undefined) await this.flushing;
    await this.writeHead();
    await this.segment?.close().catch(() => undefined);
    await this.head?.close().catch(() => undefined);
    this.segment = undefined;
    this.head = undefined;
  }

  private kick(): void {
    if (this.flushing !== undefined) return;
    this.flushing = this.flushLoop().finally(() => {
      this.flushing = undefined;
      if (this.queue.length > 0) this.kick();
    });
  }

  // Group commit: whatever queued up while the previous batch was being synced forms the next
  // batch: one write and one fdatasync for all of it.
  private async flushLoop(): Promise<void> {
    do {
      const batch = this.queue.splice(0, this.queue.length);
      if (batch.length > 0 || this.owed.length > 0) {
        await this.writeBatch(batch);
        await this.writeHead();
      }
    } while (this.queue.length > 0);
  }

  private async writeBatch(requested: Pending[]): Promise<void> {
    const batch = [...this.owed, ...requested];
    let seq = this.durableSeq;
    let prev = this.lastHash;
    const text: string[] = [];
    const made: { pending: Pending; entry: AuditEntry }[] = [];
    for (const pending of batch) {
      const { actor, event, ...rest } = pending.fields;
      const withoutHash = { seq: seq + 1, time: pending.time, actor, event, ...rest, prev };
      let encoded;
      try {
        encoded = encodeEntry(withoutHash);
      } catch (error) {
        pending.reject(
          new CloisonError(
            'INTERNAL',
            `the audit entry cannot be recorded: ${(error as Error).message}`,
          ),
        );
        continue;
      }
      seq += 1;
      prev = encoded.hash;
      text.push(encoded.line, '\n');
      made.push({ pending, entry: { ...withoutHash, hash: encoded.hash } });
    }
    if (made.length === 0) return;
    const data = Buffer.from(text.join(''), 'utf8');

    let where = join(this.dir, segmentName(this.segmentIndex));
    try {
      if (this.headError !== undefined) {
        // The head could not be updated after the last batch: without it, cutting entries off the
        // end would go unnoticed, so no new entry is acknowledged until it can be written.
        where = join(this.dir, HEAD_FILE);
        await this.writeHead();
        if (this.headError !== undefined) throw this.headError;
      }
      if (this.segmentSize > 0 && this.segmentSize + data.length > this.segmentBytes) {
        await this.segment?.close().catch(() => undefined);
        this.segment = undefined;
        this.segmentIndex += 1;
        this.segmentSize = 0;
        this.directorySyncPending = true;
      }
      where = join(this.dir, segmentName(this.segmentIndex));
      const fh = await this.openSegment(where);
      await writeAll(fh, data, this.segmentSize);
      await fh.datasync();
      if (this.directorySyncPending) {
        where = this.dir;
        await syncDirectory(this.dir);
        this.directorySyncPending = false;
      }
    } catch (error) {
      await this.cutBack();
      const failure = unavailable(error, where);
      this.setStatus(false, failure.message);
      for (const { pending } of made) if (!this.owed.includes(pending)) pending.reject(failure);
      return;
    }
    this.segmentSize += data.length;
    this.durableSeq = seq;
    this.lastHash = prev;
    this.owed = [];
    this.setStatus(true, undefined);
    for (const { pending, entry } of made) pending.resolve(entry);
  }

  /** The current segment, opened (or reopened after a failure) and cut back to its last good offset. */
  private async openSegment(path: string): Promise<FileHandle> {
    if (this.segment !== undefined) return this.segment;
    // No O_APPEND: writes go at the last good offset, so a failed write is overwritten, not followed.
    const fh = await open(path, constants.O_RDWR | constants.O_CREAT, 0o600);
    try {
      const { size } = await fh.stat();
      if (size < this.segmentSize) {
        throw new Error(
          `the segment is shorter (${size} bytes) than what was written to it (${this.segmentSize} bytes): something else truncated it`,
        );
      }
      if (size > this.segmentSize) {
        // Left over from a failed batch whose cut-back failed too: repair before writing.
        await fh.truncate(this.segmentSize);
        await fh.datasync();
      }
    } catch (error) {
      await fh.close().catch(() => undefined);
      throw error;
    }
    this.segment = fh;
    return fh;
  }

  /** After a failed batch: no partial line may stay behind. If cutting fails, reopen repairs it. */
  private async cutBack(): Promise<void> {
    const fh = this.segment;
    if (fh === undefined) return;
    try {
      await fh.truncate(this.segmentSize);
      await fh.datasync();
    } catch {
      this.segment = undefined;
      await fh.close().catch(() => undefined);
    }
  }

  private async writeHead(): Promise<void> {
    if (this.headSeq === this.durableSeq && this.headError === undefined) return;
    const seq = this.durableSeq;
    const hash = this.lastHash;
    try {
      this.head ??= await open(join(this.dir, HEAD_FILE), 'r+');
      await writeAll(this.head, encodeHead({ seq, hash }), 0);
      await this.head.datasync();
      this.headSeq = seq;
      this.headError = undefined;
    } catch (error) {
      this.headError = error;
      const fh = this.head;
      this.head = undefined;
      await fh?.close().catch(() => undefined);
    }
  }

  private async recordRecovery(recovery: Recovery): Promise<void> {
    const fields: AuditFields = { actor: this.actor, event: 'audit.recovered', ...recovery };
    // Owed, not merely queued: if it cannot be written now, it goes first in the next batch that
    // is, and open() still succeeds (with the log unavailable) so that the daemon can say why.
    const noop = (): void => {};
    this.owed.push({ fields, time: new Date().toISOString(), resolve: noop, reject: noop });
    this.kick();
    while (this.flushing !== undefined) await this.flushing;
  }

  private setStatus(available: boolean, reason: string | undefined): void {
    if (this.isAvailable === available && this.reason === reason) return;
    this.isAvailable = available;
    this.reason = reason;
    for (const listener of this.listeners) {
      try {
        listener(available, reason);
      } catch {
        // A listener's failure must not stop the log.
      }
    }
  }
}

/** The hash of the entry `seq`, looked for among the last `within` lines of the log only. */
async function hashAt(
  segments: Segment[],
  seq: number,
  within: number,
): Promise<string | undefined> {
  for (let i = segments.length - 1; i >= 0; i--) {
    const segment = segments[i];
    if (segment === undefined) continue;
    const tail = await readTail(segment.path, within);
    for (const line of tail.lines.reverse()) {
      const decoded = decodeLine(line);
      if (decoded.kind === 'unparseable') continue;
      if (decoded.entry.seq === seq) return decoded.entry.hash;
      if (decoded.entry.seq < seq) return undefined;
    }
    if (tail.lines.length >= within) return undefined;
  }
  return undefined;
}

async function writeAll(fh: FileHandle, data: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await fh.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** A new head, at seq 0: written aside and renamed, so a crash leaves either no head or a whole one. */
async function createHead(dir: string): Promise<void> {
  const temp = join(dir, `${HEAD_FILE}.new`);
  const fh = await open(temp, 'w', 0o600);
  try {
    await writeAll(fh, encodeHead({ seq: 0, hash: ZERO_HASH }), 0);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(temp, join(dir, HEAD_FILE));
  await syncDirectory(dir);
}

/** Moves an incomplete end of a segment to `<segment>.partial-<time>` and cuts it off. */
async function setAside(
  dir: string,
  cut: { path: string; name: string; offset: number; size: number },
): Promise<Recovery> {
  const segment = await open(cut.path, 'r+');
  try {
    const bytes = Buffer.alloc(cut.size - cut.offset);
    const { bytesRead } = await segment.read(bytes, 0, bytes.length, cut.offset);
    if (bytesRead !== bytes.length) throw new Error(`${cut.path} changed while being recovered`);
    const file = `${cut.name}.partial-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    const aside = await open(join(dir, file), 'wx', 0o600);
    try {
      await writeAll(aside, bytes, 0);
      await aside.sync();
    } finally {
      await aside.close();
    }
    await syncDirectory(dir);
    await segment.truncate(cut.offset);
    await segment.sync();
    return { segment: cut.name, file, size: bytes.length, sha256: sha256Hex(bytes) };
  } finally {
    await segment.close();
  }
}

const CAUSES: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  EIO: 'input/output error',
  EFBIG: 'file too large',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  ENOENT: 'the folder or file no longer exists',
};

function unavailable(error: unknown, where: string): CloisonError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const cause =
    code !== undefined && CAUSES[code] !== undefined
      ? `${CAUSES[code]} (${code})`
      : error instanceof Error
        ? error.message
        : String(error);
  return new CloisonError(
    'AUDIT_UNAVAILABLE',
    `the audit log cannot be written: ${cause} in ${where}`,
    {
      cause: code ?? 'unknown',
      path: where,
    },
  );
}
