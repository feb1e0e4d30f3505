// The audit log's files as bytes: segment names, the head record, and reading lines forwards (a
// whole segment, streamed) or backwards (the tail only). Used by the writer and by the verifier.
import { createReadStream } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ZERO_HASH, lineHashMatches, sha256Hex } from './canonical.js';

const NEWLINE = 0x0a;

export const HEAD_FILE = 'audit.head';
const SEGMENT = /^audit-(\d{6,})\.jsonl$/;

export function segmentName(index: number): string {
  return `audit-${String(index).padStart(6, '0')}.jsonl`;
}

export interface Segment {
  index: number;
  name: string;
  path: string;
}

/** The segments of a log in chain order; an absent folder is an empty log. */
export async function listSegments(dir: string): Promise<Segment[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const segments: Segment[] = [];
  for (const name of names) {
    const match = SEGMENT.exec(name);
    if (match?.[1] !== undefined)
      segments.push({ index: Number(match[1]), name, path: join(dir, name) });
  }
  return segments.sort((a, b) => a.index - b.index);
}

// The head: the last seq and hash the writer made durable, so that cutting entries off the end of
// the chain (which leaves a valid, shorter chain) is detected. A fixed 128-byte record rewritten in
// place (one pwrite within one sector, then fdatasync); a short check value tells a torn or edited
// record from a real one.
export const HEAD_BYTES = 128;

export interface Head {
  seq: number;
  hash: string;
}

function headCheck(seq: number, hash: string): string {
  return sha256Hex(`cloison-audit-head:${seq}:${hash}`).slice(0, 16);
}

export function encodeHead(head: Head): Buffer {
  const text = JSON.stringify({
    seq: head.seq,
    hash: head.hash,
    check: headCheck(head.seq, head.hash),
  });
  return Buffer.from(`${text.padEnd(HEAD_BYTES - 1, ' ')}\n`, 'latin1');
}

export type HeadRead = { state: 'ok'; head: Head } | { state: 'missing' } | { state: 'corrupt' };

export async function readHead(dir: string): Promise<HeadRead> {
  let fh;
  try {
    fh = await open(join(dir, HEAD_FILE), 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
    throw error;
  }
  try {
    const buf = Buffer.alloc(HEAD_BYTES + 1);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    if (bytesRead !== HEAD_BYTES) return { state: 'corrupt' };
    const value = JSON.parse(buf.toString('latin1', 0, HEAD_BYTES)) as Record<string, unknown>;
    const { seq, hash, check } = value;
    if (
      typeof seq === 'number' &&
      Number.isSafeInteger(seq) &&
      seq >= 0 &&
      typeof hash === 'string' &&
      /^[0-9a-f]{64}$/.test(hash) &&
      check === headCheck(seq, hash) &&
      (seq > 0 || hash === ZERO_HASH)
    ) {
      return { state: 'ok', head: { seq, hash } };
    }
    return { state: 'corrupt' };
  } catch (error) {
    if (error instanceof SyntaxError) return { state: 'corrupt' };
    throw error;
  } finally {
    await fh.close();
  }
}

/** A run of complete lines (without newlines) from one chunk of a segment. */
export interface LineBatch {
  lines: Buffer[];
  /** Line number (from 1) of `lines[0]`. */
  firstLineNo: number;
}

/**
 * Streams a segment in large chunks and yields its complete lines a chunk at a time; memory stays
 * bounded by the chunk size and the longest line. Bytes after the last newline (a line whose write
 * never completed) are not yielded as a line: `onPartial` receives them.
 */
export async function* lineBatches(
  path: string,
  onPartial: (partial: Buffer) => void = () => {},
): AsyncGenerator<LineBatch> {
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  let carry: Buffer | undefined;
  let lineNo = 1;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const lines: Buffer[] = [];
      let start = 0;
      let nl = chunk.indexOf(NEWLINE);
      if (carry !== undefined) {
        if (nl === -1) {
          carry = Buffer.concat([carry, chunk]);
          continue;
        }
        lines.push(Buffer.concat([carry, chunk.subarray(0, nl)]));
        carry = undefined;
        start = nl + 1;
        nl = chunk.indexOf(NEWLINE, start);
      }
      while (nl !== -1) {
        lines.push(chunk.subarray(start, nl));
        start = nl + 1;
        nl = chunk.indexOf(NEWLINE, start);
      }
      if (start < chunk.length) carry = chunk.subarray(start);
      if (lines.length > 0) {
        yield { lines, firstLineNo: lineNo };
        lineNo += lines.length;
      }
    }
  } finally {
    stream.destroy();
  }
  if (carry !== undefined) onPartial(carry);
}

export interface Tail {
  /** The last complete lines (without newlines), oldest first; at most the number asked for. */
  lines: Buffer[];
  /** Bytes after the last newline (empty when the file ends with a newline). */
  partial: Buffer;
  /** Size of the file. */
  size: number;
}

/** Reads the last `count` complete lines of a file from its end, never the whole file. */
export async function readTail(path: string, count: number): Promise<Tail> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const chunks: Buffer[] = [];
    let pos = size;
    let newlines = 0;
    let step = 64 * 1024;
    for (;;) {
      const complete = pos === 0 ? newlines : newlines - 1;
      if (pos === 0 || complete >= count) break;
      const length = Math.min(step, pos);
      pos -= length;
      const chunk = Buffer.alloc(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await fh.read(chunk, done, length - done, pos + done);
        if (bytesRead === 0) throw new Error(`${path} shrank while being read`);
        done += bytesRead;
      }
      for (let i = chunk.indexOf(NEWLINE); i !== -1; i = chunk.indexOf(NEWLINE, i + 1)) newlines++;
      chunks.unshift(chunk);
      step = Math.min(step * 2, 8 << 20);
    }
    const buf = Buffer.concat(chunks);
    const last = buf.lastIndexOf(NEWLINE);
    const partial = Buffer.from(buf.subarray(last + 1));
    const lines: Buffer[] = [];
    let start = pos === 0 ? 0 : buf.indexOf(NEWLINE) + 1;
    for (
      let nl = buf.indexOf(NEWLINE, start);
      nl !== -1 && nl <= last;
      nl = buf.indexOf(NEWLINE, start)
    ) {
      lines.push(buf.subarray(start, nl));
      start = nl + 1;
    }
    return { lines: lines.slice(Math.max(0, lines.length - count)), partial, size };
  } finally {
    await fh.close();
  }
}

/** The fields every stored entry has; the rest is whatever the caller recorded. */
export interface StoredEntry {
  seq: number;
  time: string;
  actor: string;
  event: string;
  prev: string;
  hash: string;
  [field: string]: unknown;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Whether a parsed value has the shape of an entry (prev and hash: 64 lowercase hex digits). */
export function isStoredEntry(value: unknown): value is StoredEntry {
  return hasEntryFields(value) && HEX64.test(value.prev) && HEX64.test(value.hash);
}

// The cheaper check verify uses on every line: the hash is then compared with a computed digest and
// prev with a known hash, so their digits need no separate pattern match.
function hasEntryFields(value: unknown): value is StoredEntry {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.seq === 'number' &&
    Number.isSafeInteger(v.seq) &&
    v.seq > 0 &&
    typeof v.time === 'string' &&
    typeof v.actor === 'string' &&
    typeof v.event === 'string' &&
    typeof v.prev === 'string' &&
    v.prev.length === 64 &&
    typeof v.hash === 'string' &&
    v.hash.length === 64
  );
}

export type Decoded =
  | { kind: 'ok'; entry: StoredEntry }
  | { kind: 'edited'; entry: StoredEntry }
  | { kind: 'unparseable' };

/** Parses one stored line and checks its hash against its own bytes. */
export function decodeLine(line: Buffer): Decoded {
  let value: unknown;
  try {
    value = JSON.parse(line.toString('utf8'));
  } catch {
    return { kind: 'unparseable' };
  }
  if (!hasEntryFields(value)) return { kind: 'unparseable' };
  return lineHashMatches(line) === value.hash
    ? { kind: 'ok', entry: value }
    : { kind: 'edited', entry: value };
}
