// Verifies an audit log from its files alone: every segment in order, every line's hash, seq and
// prev links, segment names and the head. Trusts nothing the writer says about itself, and streams
// (memory bounded by one chunk), so it can run over the whole log from the CLI or the daemon.
import type { VerifyReport } from '../contract/methods.js';
import { ZERO_HASH } from './canonical.js';
import type { Decoded, StoredEntry } from './store.js';
import {
  HEAD_FILE,
  decodeLine,
  lineBatches,
  listSegments,
  readHead,
  segmentName,
} from './store.js';

/**
 * How the first bad entry breaks the chain:
 * - `edited`: its hash does not match its bytes, or it does not link to the entry before it while
 *   carrying the next seq (an entry was changed and its hash recomputed, or replaced);
 * - `missing`: the seq jumps forward (an entry or a whole segment was removed);
 * - `inserted`: an entry that is not part of the chain (a duplicate, a forged line, even one whose
 *   own hash is right) stands here; the chain resumes after it;
 * - `reordered`: an entry whose seq comes later stands here, and the expected one appears further on;
 * - `truncated`: the chain ends before the seq the head recorded (`line` is where the next entry
 *   would be and `seq` the first one missing);
 * - `unparseable`: the line is not an audit entry (or the head file is unreadable);
 * - `absent`: there is no audit log in the folder at all (no head, no segment): a mistyped folder
 *   must not pass as an intact empty log. A log the writer opened has its head from the start.
 */
export type Problem =
  'edited' | 'missing' | 'inserted' | 'reordered' | 'truncated' | 'unparseable' | 'absent';

type FirstBad = { segment: string; line: number; seq?: number; problem: Problem };

interface Line {
  segment: string;
  line: number;
  decoded: Decoded;
}

// The chain is checked with one line of lookahead: it tells an inserted line (the chain resumes
// right after it) and a swapped pair from a deletion.
class ChainCheck {
  entries = 0;
  firstBad: FirstBad | undefined;
  /** Seq and hash of the last entry that extends the chain, and the hash before it. */
  lastSeq = 0;
  lastHash = ZERO_HASH;
  private hashBefore: string | undefined;
  private lastAt: { segment: string; line: number } | undefined;
  private pending: Line | undefined;
  /** A seq gap was found: if the skipped seq turns up later, the log was reordered, not cut. */
  private awaiting: number | undefined;
  /** The entry carrying the head's seq, to compare with the head's hash. */
  atHead: { hash: string; segment: string; line: number } | undefined;

  constructor(private readonly headSeq: number) {}

  push(line: Line): void {
    this.entries += 1;
    if (
      this.awaiting !== undefined &&
      line.decoded.kind === 'ok' &&
      line.decoded.entry.seq === this.awaiting &&
      this.firstBad !== undefined
    ) {
      this.firstBad.problem = 'reordered';
      this.awaiting = undefined;
    }
    if (this.pending !== undefined) this.check(this.pending, line);
    this.pending = line;
  }

  /** At a segment gap or at the end: the pending line is checked without lookahead. */
  flush(): void {
    if (this.pending !== undefined) this.check(this.pending, undefined);
    this.pending = undefined;
  }

  fail(bad: FirstBad): void {
    this.firstBad ??= bad;
  }

  private check(line: Line, next: Line | undefined): void {
    if (this.firstBad !== undefined) return;
    const at = { segment: line.segment, line: line.line };
    const { decoded } = line;
    if (decoded.kind === 'unparseable') return this.fail({ ...at, problem: 'unparseable' });
    const e = decoded.entry;
    if (decoded.kind === 'edited') return this.fail({ ...at, seq: e.seq, problem: 'edited' });
    const expected = this.lastSeq + 1;
    if (e.seq === expected && e.prev === this.lastHash) return this.extend(e, at);

    if (e.seq < expected) {
      // The previous line carried the next seq and linked correctly, and this one links to the
      // entry before it: the previous line was slipped in (a forged entry with a right hash).
      const previousInserted =
        e.seq === expected - 1 &&
        e.hash !== this.lastHash &&
        e.prev === this.hashBefore &&
        this.lastAt !== undefined;
      if (previousInserted && this.lastAt !== undefined) {
        return this.fail({ ...this.lastAt, seq: e.seq, problem: 'inserted' });
      }
      return this.fail({ ...at, seq: e.seq, problem: 'inserted' });
    }
    const n = next?.decoded.kind === 'ok' ? next.decoded.entry : undefined;
    if (n !== undefined && n.seq === expected && n.prev === this.lastHash) {
      // The chain resumes with the next line: this one is extra here. If it is the entry that
      // follows the next one, the two were swapped.
      const swapped = e.seq === expected + 1 && e.prev === n.hash;
      return this.fail({ ...at, seq: e.seq, problem: swapped ? 'reordered' : 'inserted' });
    }
    if (e.seq > expected) {
      this.fail({ ...at, seq: e.seq, problem: n?.seq === expected ? 'reordered' : 'missing' });
      if (n?.seq !== expected) this.awaiting = expected;
      return;
    }
    return this.fail({ ...at, seq: e.seq, problem: 'edited' });
  }

  private extend(e: StoredEntry, at: { segment: string; line: number }): void {
    this.hashBefore = this.lastHash;
    this.lastSeq = e.seq;
    this.lastHash = e.hash;
    this.lastAt = at;
    if (e.seq === this.headSeq) this.atHead = { hash: e.hash, ...at };
  }
}

/** Checks the whole log in `dir` and names the first entry that breaks it. */
export async function verifyAudit(dir: string): Promise<VerifyReport> {
  const segments = await listSegments(dir);
  const headRead = await readHead(dir);
  const head = headRead.state === 'ok' ? headRead.head : undefined;
  if (segments.length === 0 && headRead.state === 'missing') {
    return {
      ok: false,
      entries: 0,
      segments: 0,
      firstBad: { segment: HEAD_FILE, line: 1, problem: 'absent' },
    };
  }
  const chain = new ChainCheck(head?.seq ?? 0);

  let end = { segment: segmentName(1), line: 1 };
  for (const [i, segment] of segments.entries()) {
    if (segment.index !== i + 1 && chain.firstBad === undefined) {
      // A segment is missing from the sequence of names: a deletion, wherever the seqs resume.
      chain.flush();
      chain.fail({ segment: segmentName(i + 1), line: 1, problem: 'missing' });
    }
    let partial: Buffer | undefined;
    let lines = 0;
    for await (const batch of lineBatches(segment.path, (p) => (partial = p))) {
      for (let j = 0; j < batch.lines.length; j++) {
        const line = batch.lines[j] as Buffer;
        chain.push({
          segment: segment.name,
          line: batch.firstLineNo + j,
          decoded: decodeLine(line),
        });
      }
      lines = batch.firstLineNo + batch.lines.length - 1;
    }
    const last = i === segments.length - 1;
    if (partial !== undefined && !last) {
      // Only the last segment can end in a write that never completed; anywhere else it is damage.
      chain.push({ segment: segment.name, line: lines + 1, decoded: { kind: 'unparseable' } });
    }
    end = { segment: segment.name, line: lines + 1 };
  }
  chain.flush();
  // An incomplete last line of the last segment is a write that was never acknowledged (open()
  // sets it aside): not part of the chain. If it was an acknowledged entry cut in the middle, the
  // head says the chain should be longer, and that is reported below.

  if (chain.firstBad === undefined) {
    if (headRead.state === 'corrupt') {
      chain.fail({ segment: HEAD_FILE, line: 1, problem: 'unparseable' });
    } else if (head === undefined) {
      if (chain.entries > 0) chain.fail({ segment: HEAD_FILE, line: 1, problem: 'missing' });
    } else if (chain.lastSeq < head.seq) {
      chain.fail({ ...end, seq: chain.lastSeq + 1, problem: 'truncated' });
    } else if (head.seq > 0 && chain.atHead !== undefined && chain.atHead.hash !== head.hash) {
      const { segment, line } = chain.atHead;
      chain.fail({ segment, line, seq: head.seq, problem: 'edited' });
    }
  }
  const report: VerifyReport = {
    ok: chain.firstBad === undefined,
    entries: chain.entries,
    segments: segments.length,
  };
  if (chain.firstBad !== undefined) report.firstBad = { ...chain.firstBad };
  return report;
}
