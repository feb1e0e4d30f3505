// Fail closed, for real: the audit log on a 256 KiB tmpfs that fills up. Root ignores permissions,
// so a full disk is the honest failure to provoke. The tmpfs is mounted in a user+mount namespace
// (`unshare`), private to a child Node process (disk-full.child.mjs) that owns the log; the test
// reaches the tmpfs through /proc/<child>/root to fill it and to free it again.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry, VerifyReport } from '../contract/methods.js';
import { readAudit, verifyAudit } from './index.js';

const CHILD = fileURLToPath(new URL('./disk-full.child.mjs', import.meta.url));

type Reply = {
  ok?: boolean;
  ready?: boolean;
  pid?: number;
  code?: string;
  message?: string;
  entry?: AuditEntry;
  status?: { available: boolean; reason?: string; lastSeq: number };
  changes?: { available: boolean; reason?: string }[];
};

let mountPoint: string;
let child: ChildProcessWithoutNullStreams;
let replies: AsyncIterator<string>;
let stderr = '';
/** The child's tmpfs as the test sees it. */
let seen: string;

async function next(): Promise<Reply> {
  const { value, done } = await replies.next();
  if (done === true) {
    throw new Error(`the disk-full child ended early (exit ${child.exitCode}): ${stderr.trim()}`);
  }
  return JSON.parse(value) as Reply;
}

async function send(command: Record<string, unknown>): Promise<Reply> {
  child.stdin.write(`${JSON.stringify(command)}\n`);
  return next();
}

/** Metadata of a transfer of many files: several pages of tmpfs, so it needs fresh space. */
function bigEntry(tag: string): Record<string, unknown> {
  return {
    actor: 'alice',
    event: 'transfer.delivered',
    tag,
    names: Array.from({ length: 200 }, (_, i) => `Documents/report-${tag}-${i}.pdf`),
  };
}

beforeAll(async () => {
  mountPoint = await mkdtemp(join(tmpdir(), 'cloison-audit-full-'));
  child = spawn(
    'unshare',
    [
      '--user',
      '--map-root-user',
      '--mount',
      'sh',
      '-c',
      'mount -t tmpfs -o size=256k tmpfs "$1" && exec "$2" "$3" "$1"',
      'sh',
      mountPoint,
      process.execPath,
      CHILD,
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          error.code === 'ENOENT'
            ? 'the disk-full test needs `unshare` (util-linux) with unprivileged user namespaces; it is not installed here'
            : `cannot start unshare for the disk-full test: ${error.message}`,
        ),
      ),
    );
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  replies = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  await spawned;
  const ready = await next().catch((error: Error) => {
    throw new Error(
      `could not mount a tmpfs in a user+mount namespace with unshare: ${error.message}`,
    );
  });
  expect(ready.ready).toBe(true);
  seen = `/proc/${ready.pid}/root${mountPoint}`;
});

afterAll(async () => {
  if (child !== undefined && child.exitCode === null) {
    child.stdin.end();
    child.kill();
  }
  await rm(mountPoint, { recursive: true, force: true });
});

async function fill(path: string): Promise<void> {
  const fh = await open(path, 'w');
  const page = Buffer.alloc(4096, 0x78);
  try {
    for (;;) await fh.write(page);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    await fh.close();
  }
}

describe('audit log', () => {
  describe('when the disk is full', () => {
    it('refuses appends with AUDIT_UNAVAILABLE, leaves no partial line, and recovers once space is freed', async () => {
      const before = await send({ op: 'append', fields: bigEntry('before') });
      expect(before.ok, before.message).toBe(true);
      expect(before.entry?.seq).toBe(1);

      const segment = join(seen, 'audit-000001.jsonl');
      const sizeBefore = (await stat(segment)).size;
      await fill(join(seen, 'filler'));

      const refused = await send({ op: 'append', fields: bigEntry('refused') });
      expect(refused.ok).toBe(false);
      expect(refused.code).toBe('AUDIT_UNAVAILABLE');
      expect(refused.message).toMatch(
        /^the audit log cannot be written: no space left on device \(ENOSPC\) in \/.*audit-000001\.jsonl$/,
      );
      const down = await send({ op: 'status' });
      expect(down.status).toMatchObject({ available: false, reason: refused.message, lastSeq: 1 });

      // The failed batch was cut back: the segment is as it was, ending with a whole line.
      expect((await stat(segment)).size).toBe(sizeBefore);
      expect((await readFile(segment)).at(-1)).toBe(0x0a);
      const whileFull: VerifyReport = await verifyAudit(seen);
      expect(whileFull).toEqual({ ok: true, entries: 1, segments: 1 });

      // Still full: the next append tries again and is refused again.
      const again = await send({ op: 'append', fields: bigEntry('again') });
      expect(again.code).toBe('AUDIT_UNAVAILABLE');

      await rm(join(seen, 'filler'));
      const after = await send({ op: 'append', fields: bigEntry('after') });
      expect(after.ok, after.message).toBe(true);
      expect(after.entry).toMatchObject({ seq: 2, prev: before.entry?.hash });
      const up = await send({ op: 'status' });
      expect(up.status).toEqual({ available: true, lastSeq: 2 });
      expect(up.changes).toEqual([
        { available: false, reason: refused.message },
        { available: true },
      ]);

      // Read while the child (and so its tmpfs) is still there: only acknowledged entries, in a
      // contiguous chain; the refused entries' seqs were reused.
      expect(await verifyAudit(seen)).toEqual({ ok: true, entries: 2, segments: 1 });
      const entries: AuditEntry[] = [];
      for await (const entry of readAudit(seen)) entries.push(entry);
      expect(entries.map((e) => [e.seq, e.tag])).toEqual([
        [1, 'before'],
        [2, 'after'],
      ]);
      expect(await send({ op: 'close' })).toEqual({ ok: true });
    });
  });
});
