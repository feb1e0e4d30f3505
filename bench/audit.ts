// Audit log figures for `npm run bench`: durable appends per second (one at a time, and 64 in
// flight so that group commit shows), and verify's entries per second on 1,000,000 entries beside
// a baseline measured in the same run: SHA-256 of the same bytes, streamed, with nothing else.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditFields } from '../core/audit/index.js';
import { AuditLog, encodeEntry, verifyAudit } from '../core/audit/index.js';
import { ZERO_HASH } from '../core/audit/canonical.js';
import { HEAD_FILE, encodeHead, listSegments, segmentName } from '../core/audit/store.js';

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** What a transfer's entry looks like: metadata, never content. */
function transferFields(i: number): AuditFields {
  return {
    actor: 'alice',
    event: 'transfer.delivered',
    transfer: `t-${i.toString(36)}`,
    kind: 'clipboard',
    from: 'office',
    to: 'restricted',
    types: ['text/plain'],
    sizes: [1024 + (i % 4096)],
    sha256: [createHash('sha256').update(String(i)).digest('hex')],
    rule: 'text-up',
    decision: 'allow',
    reason: 'rule text-up allows plain text up',
  };
}

async function appends(dir: string, total: number, inFlight: number): Promise<number> {
  const log = await AuditLog.open(dir);
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < total) await log.append(transferFields(next++));
    }),
  );
  const elapsed = seconds(start);
  await log.close();
  return total / elapsed;
}

/** Writes `count` entries straight into segments (correct hashes and head), without fsync per entry. */
async function generate(dir: string, count: number, segmentBytes: number): Promise<void> {
  let prev = ZERO_HASH;
  let index = 1;
  let fh = await open(join(dir, segmentName(index)), 'w');
  let size = 0;
  let pending: string[] = [];
  let pendingBytes = 0;
  const time = new Date().toISOString();
  for (let seq = 1; seq <= count; seq++) {
    const { line, hash } = encodeEntry({ seq, time, ...transferFields(seq), prev });
    prev = hash;
    pending.push(line, '\n');
    pendingBytes += line.length + 1;
    if (pendingBytes >= 1 << 20 || seq === count) {
      await fh.write(pending.join(''));
      size += pendingBytes;
      pending = [];
      pendingBytes = 0;
      if (size >= segmentBytes && seq < count) {
        await fh.close();
        fh = await open(join(dir, segmentName(++index)), 'w');
        size = 0;
      }
    }
  }
  await fh.close();
  const head = await open(join(dir, HEAD_FILE), 'w');
  await head.write(encodeHead({ seq: count, hash: prev }));
  await head.close();
}

async function sha256Files(dir: string): Promise<number> {
  let bytes = 0;
  for (const segment of await listSegments(dir)) {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(segment.path, { highWaterMark: 1 << 20 })) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    hash.digest();
  }
  return bytes;
}

export async function benchAudit(): Promise<Record<string, number | string>> {
  const root = await mkdtemp(join(tmpdir(), 'cloison-bench-audit-'));
  try {
    const sequential = await appends(join(root, 'sequential'), 300, 1);
    const concurrent = await appends(join(root, 'concurrent'), 5000, 64);

    const entries = 1_000_000;
    const logDir = join(root, 'verify');
    await mkdir(logDir);
    await generate(logDir, entries, 16 * 1024 * 1024);
    // Warm the page cache for both, so that both measure the CPU work, not the disk.
    await sha256Files(logDir);
    let start = process.hrtime.bigint();
    const bytes = await sha256Files(logDir);
    const baseline = seconds(start);
    start = process.hrtime.bigint();
    const report = await verifyAudit(logDir);
    const verify = seconds(start);
    if (!report.ok || report.entries !== entries) {
      throw new Error(`the generated log did not verify: ${JSON.stringify(report)}`);
    }
    return {
      durableAppendsPerSecSequential: Math.round(sequential),
      durableAppendsPerSec64InFlight: Math.round(concurrent),
      groupCommitSpeedup: +(concurrent / sequential).toFixed(1),
      verifyEntries: entries,
      verifyMiB: +(bytes / 1024 / 1024).toFixed(0),
      verifyEntriesPerSec: Math.round(entries / verify),
      sha256SameBytesEntriesPerSec: Math.round(entries / baseline),
      verifyTimeToSha256Time: +(verify / baseline).toFixed(1),
      note: 'verify hashes each line, parses its JSON and checks seq and prev; the baseline only hashes',
    };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
