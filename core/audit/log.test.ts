import {
  appendFile,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rm,
  truncate,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloisonError } from '../contract/errors.js';
import { AuditEntry } from '../contract/methods.js';
import { AuditLog, ZERO_HASH, readAudit, tailAudit, verifyAudit } from './index.js';
import { sha256Hex } from './canonical.js';
import { encodeHead, readHead } from './store.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cloison-audit-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function all(from: string = dir): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  for await (const entry of readAudit(from)) entries.push(entry);
  return entries;
}

async function segmentFiles(): Promise<string[]> {
  return (await readdir(dir)).filter((n) => /^audit-\d+\.jsonl$/.test(n)).sort();
}

describe('audit log', () => {
  describe('when entries are appended', () => {
    it('reads back what was appended, with seq, time, prev and hash, in order', async () => {
      const log = await AuditLog.open(dir);
      const first = await log.append({
        actor: 'alice',
        event: 'transfer.delivered',
        from: 'office',
        to: 'restricted',
        kind: 'clipboard',
        types: ['text/plain'],
        sizes: [12],
        sha256: ['a'.repeat(64)],
        rule: 'office-up',
        decision: 'allow',
        reason: 'rule office-up allows text up',
      });
      const second = await log.append({ actor: 'admin', event: 'config.reloaded', digest: 'x' });
      await log.close();

      expect(first.seq).toBe(1);
      expect(first.prev).toBe(ZERO_HASH);
      expect(second).toMatchObject({ seq: 2, prev: first.hash });
      expect(AuditEntry.parse(first)).toEqual(first);
      expect(new Date(first.time).toISOString()).toBe(first.time);
      expect(await all()).toEqual([first, second]);
      expect(await verifyAudit(dir)).toEqual({ ok: true, entries: 2, segments: 1 });
    });

    it('writes one JSON line per entry, never anything the caller did not give', async () => {
      const log = await AuditLog.open(dir);
      await log.append({ actor: 'a', event: 'e', size: 3 });
      await log.close();
      const text = await readFile(join(dir, 'audit-000001.jsonl'), 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      expect(Object.keys(JSON.parse(text) as object).sort()).toEqual(
        ['actor', 'event', 'hash', 'prev', 'seq', 'size', 'time'].sort(),
      );
    });

    it('refuses fields the log sets itself, and values JSON cannot hold', async () => {
      const log = await AuditLog.open(dir);
      await expect(log.append({ actor: 'a', event: 'e', seq: 7 })).rejects.toThrow(/"seq"/);
      await expect(log.append({ actor: 'a', event: 'e', n: NaN })).rejects.toThrow(/NaN/);
      await expect(log.append({ actor: 'a', event: 'e', at: new Date() })).rejects.toThrow(
        /plain object/,
      );
      const ok = await log.append({ actor: 'a', event: 'e' });
      expect(ok.seq).toBe(1);
      await log.close();
    });

    it('continues seq and chain after close and reopen', async () => {
      let log = await AuditLog.open(dir);
      await log.append({ actor: 'a', event: 'one' });
      const two = await log.append({ actor: 'a', event: 'two' });
      await log.close();
      log = await AuditLog.open(dir);
      expect(log.lastSeq).toBe(2);
      const three = await log.append({ actor: 'a', event: 'three' });
      await log.close();
      expect(three).toMatchObject({ seq: 3, prev: two.hash });
      expect((await verifyAudit(dir)).ok).toBe(true);
    });

    it('refuses appends once closed', async () => {
      const log = await AuditLog.open(dir);
      await log.close();
      await expect(log.append({ actor: 'a', event: 'e' })).rejects.toMatchObject({
        code: 'AUDIT_UNAVAILABLE',
      });
    });
  });

  describe('when a segment grows beyond segmentBytes', () => {
    it('starts the next segment and continues the chain across it, also after reopening', async () => {
      let log = await AuditLog.open(dir, { segmentBytes: 600 });
      const written: AuditEntry[] = [];
      for (let i = 0; i < 12; i++) written.push(await log.append({ actor: 'a', event: 'e', i }));
      await log.close();
      log = await AuditLog.open(dir, { segmentBytes: 600 });
      for (let i = 12; i < 20; i++) written.push(await log.append({ actor: 'a', event: 'e', i }));
      await log.close();

      const files = await segmentFiles();
      expect(files.length).toBeGreaterThan(3);
      expect(files[0]).toBe('audit-000001.jsonl');
      for (const name of files) {
        const lines = (await readFile(join(dir, name), 'utf8')).split('\n').filter(Boolean);
        expect(lines.length).toBeGreaterThan(0);
      }
      const second = (await readFile(join(dir, files[1] as string), 'utf8')).split('\n')[0];
      const firstOfSecond = JSON.parse(second as string) as AuditEntry;
      expect(firstOfSecond.prev).toBe(written[firstOfSecond.seq - 2]?.hash);
      expect((await all()).map((e) => e.seq)).toEqual(written.map((_, i) => i + 1));
      expect(await verifyAudit(dir)).toEqual({ ok: true, entries: 20, segments: files.length });
    });
  });

  describe('when many appends arrive at once', () => {
    it('resolves all 500 with contiguous seqs, in call order, and the log verifies', async () => {
      const log = await AuditLog.open(dir, { segmentBytes: 16 * 1024 });
      const entries = await Promise.all(
        Array.from({ length: 500 }, (_, i) => log.append({ actor: 'a', event: 'e', i })),
      );
      await log.close();
      expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
      expect(entries.map((e) => e.i)).toEqual(entries.map((_, i) => i));
      expect(await verifyAudit(dir)).toMatchObject({ ok: true, entries: 500 });
    });
  });

  describe('when reading', () => {
    it('filters by time and limit, and tails from the end across segments', async () => {
      const log = await AuditLog.open(dir, { segmentBytes: 500 });
      const written: AuditEntry[] = [];
      for (let i = 0; i < 15; i++) written.push(await log.append({ actor: 'a', event: 'e', i }));
      await log.close();
      const middle = written[7] as AuditEntry;
      const since: AuditEntry[] = [];
      for await (const e of readAudit(dir, { since: middle.time })) since.push(e);
      expect(since[0]?.seq).toBeLessThanOrEqual(8);
      expect(since.at(-1)?.seq).toBe(15);
      const limited: AuditEntry[] = [];
      for await (const e of readAudit(dir, { limit: 4 })) limited.push(e);
      expect(limited.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
      const until: AuditEntry[] = [];
      for await (const e of readAudit(dir, { until: '2000-01-01T00:00:00Z' })) until.push(e);
      expect(until).toEqual([]);
      expect((await tailAudit(dir, 6)).map((e) => e.seq)).toEqual([10, 11, 12, 13, 14, 15]);
      expect((await tailAudit(dir, 100)).length).toBe(15);
    });

    it('reads an absent log as empty, but does not verify it as intact', async () => {
      expect(await all(join(dir, 'nothing'))).toEqual([]);
      expect(await tailAudit(join(dir, 'nothing'), 5)).toEqual([]);
      expect(await verifyAudit(join(dir, 'nothing'))).toMatchObject({
        ok: false,
        firstBad: { problem: 'absent' },
      });
    });
  });

  describe('when the last line is incomplete at open', () => {
    it('sets it aside, records audit.recovered, and the log verifies afterwards', async () => {
      let log = await AuditLog.open(dir);
      for (let i = 0; i < 3; i++) await log.append({ actor: 'a', event: 'e', i });
      await log.close();
      // A write that never completed: no newline at the end (never acknowledged: head says 3).
      const torn = '{"actor":"a","event":"e","i":3,"prev":"00';
      await appendFile(join(dir, 'audit-000001.jsonl'), torn);
      expect((await verifyAudit(dir)).ok).toBe(true);

      log = await AuditLog.open(dir);
      const next = await log.append({ actor: 'a', event: 'after' });
      await log.close();

      const names = await readdir(dir);
      const aside = names.filter((n) => n.startsWith('audit-000001.jsonl.partial-'));
      expect(aside).toHaveLength(1);
      expect(await readFile(join(dir, aside[0] as string), 'utf8')).toBe(torn);
      const entries = await all();
      expect(entries.map((e) => e.event)).toEqual(['e', 'e', 'e', 'audit.recovered', 'after']);
      expect(entries[3]).toMatchObject({
        seq: 4,
        actor: 'cloisond',
        segment: 'audit-000001.jsonl',
        file: aside[0],
        size: Buffer.byteLength(torn),
        sha256: sha256Hex(torn),
      });
      expect(next.seq).toBe(5);
      expect(await verifyAudit(dir)).toMatchObject({ ok: true, entries: 5 });
    });

    it('sets aside a complete last line that does not parse', async () => {
      let log = await AuditLog.open(dir);
      await log.append({ actor: 'a', event: 'e' });
      await log.close();
      await appendFile(join(dir, 'audit-000001.jsonl'), '\0\0\0\0\n');
      log = await AuditLog.open(dir);
      await log.close();
      expect((await all()).map((e) => e.event)).toEqual(['e', 'audit.recovered']);
      expect((await verifyAudit(dir)).ok).toBe(true);
    });
  });

  describe('when the end of the log was cut off before open', () => {
    it('refuses to continue (AUDIT_BROKEN) instead of writing over the evidence', async () => {
      const log = await AuditLog.open(dir);
      for (let i = 0; i < 3; i++) await log.append({ actor: 'a', event: 'e', i });
      await log.close();
      const path = join(dir, 'audit-000001.jsonl');
      const lines = (await readFile(path, 'utf8')).split('\n');
      await writeFile(path, `${lines.slice(0, 2).join('\n')}\n`);
      const error = await AuditLog.open(dir).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CloisonError);
      expect(error).toMatchObject({ code: 'AUDIT_BROKEN' });
      expect((error as Error).message).toMatch(/ends at seq 2 but its head says 3/);
    });
  });

  describe('when a segment cannot be created', () => {
    it('rejects with AUDIT_UNAVAILABLE, reports the change, then recovers', async () => {
      // In-process check of the state machine; the real disk-full case is in disk-full.test.ts.
      const log = await AuditLog.open(dir);
      const changes: [boolean, string | undefined][] = [];
      log.onStatusChange((available, reason) => changes.push([available, reason]));
      await log.append({ actor: 'a', event: 'before' });
      // Make the segment's path unusable: a folder where the next segment would be created.
      await log.close();
      const reopened = await AuditLog.open(dir, { segmentBytes: 1 });
      reopened.onStatusChange((available, reason) => changes.push([available, reason]));
      await mkdir(join(dir, 'audit-000002.jsonl'));
      const failure = await reopened.append({ actor: 'a', event: 'refused' }).catch((e) => e);
      expect(failure).toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
      expect((failure as Error).message).toMatch(
        /^the audit log cannot be written: .*audit-000002/,
      );
      expect(reopened.available).toBe(false);
      expect(reopened.unavailableReason).toBe((failure as Error).message);
      await rm(join(dir, 'audit-000002.jsonl'), { recursive: true });
      const after = await reopened.append({ actor: 'a', event: 'after' });
      expect(after.seq).toBe(2);
      expect(reopened.available).toBe(true);
      await reopened.close();
      expect(changes).toEqual([
        [false, (failure as Error).message],
        [true, undefined],
      ]);
      expect((await all()).map((e) => e.event)).toEqual(['before', 'after']);
      expect((await verifyAudit(dir)).ok).toBe(true);
    });
  });

  describe('when the head lags behind the chain (a crash between a batch and its head update)', () => {
    it('verifies, and open brings the head up to date', async () => {
      let log = await AuditLog.open(dir);
      const written: AuditEntry[] = [];
      for (let i = 0; i < 3; i++) written.push(await log.append({ actor: 'a', event: 'e', i }));
      await log.close();
      const second = written[1] as AuditEntry;
      await writeFile(join(dir, 'audit.head'), encodeHead({ seq: 2, hash: second.hash }));
      expect((await verifyAudit(dir)).ok).toBe(true);
      log = await AuditLog.open(dir);
      await log.close();
      const head = await readHead(dir);
      expect(head).toEqual({ state: 'ok', head: { seq: 3, hash: written[2]?.hash } });
    });

    it('names the entry that differs from the one the head recorded, and open refuses', async () => {
      const log = await AuditLog.open(dir);
      for (let i = 0; i < 3; i++) await log.append({ actor: 'a', event: 'e', i });
      await log.close();
      await writeFile(join(dir, 'audit.head'), encodeHead({ seq: 2, hash: 'f'.repeat(64) }));
      expect((await verifyAudit(dir)).firstBad).toEqual({
        segment: 'audit-000001.jsonl',
        line: 2,
        seq: 2,
        problem: 'edited',
      });
      await expect(AuditLog.open(dir)).rejects.toMatchObject({ code: 'AUDIT_BROKEN' });
      expect(await readHead(dir)).toEqual({ state: 'ok', head: { seq: 2, hash: 'f'.repeat(64) } });
    });
  });

  describe('when an acknowledged entry was cut in the middle', () => {
    it('does not take it for an incomplete write: the head says it was written', async () => {
      const log = await AuditLog.open(dir);
      await log.append({ actor: 'a', event: 'e' });
      await log.close();
      await truncate(join(dir, 'audit-000001.jsonl'), 10);
      await expect(AuditLog.open(dir)).rejects.toMatchObject({ code: 'AUDIT_BROKEN' });
      expect((await readdir(dir)).some((n) => n.includes('.partial-'))).toBe(false);
    });
  });
});
