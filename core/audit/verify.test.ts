import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog, encodeEntry, verifyAudit } from './index.js';
import { listSegments } from './store.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cloison-audit-verify-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const SEGMENT = 'audit-000001.jsonl';

/** A log of `count` entries in one segment; returns its lines (without newlines). */
async function writeLog(count: number, segmentBytes?: number): Promise<string[]> {
  const log = await AuditLog.open(dir, segmentBytes === undefined ? {} : { segmentBytes });
  for (let i = 1; i <= count; i++) {
    await log.append({ actor: 'alice', event: 'transfer.delivered', item: `file-${i}.txt` });
  }
  await log.close();
  return lines();
}

async function lines(name = SEGMENT): Promise<string[]> {
  return (await readFile(join(dir, name), 'utf8')).split('\n').slice(0, -1);
}

async function rewrite(newLines: string[], name = SEGMENT): Promise<void> {
  await writeFile(join(dir, name), newLines.map((l) => `${l}\n`).join(''));
}

describe('audit log', () => {
  describe('when the folder holds no audit log', () => {
    it.each([
      ['does not exist', 'typo'],
      ['exists but holds other files', 'other'],
    ])('fails when the folder %s, rather than pass as an empty log', async (_what, name) => {
      if (name === 'other') await writeFile(join(dir, 'passwd'), 'root:x:0:0::/root:/bin/sh\n');
      const at = name === 'other' ? dir : join(dir, name);
      expect(await verifyAudit(at)).toEqual({
        ok: false,
        entries: 0,
        segments: 0,
        firstBad: { segment: 'audit.head', line: 1, problem: 'absent' },
      });
    });

    it('passes a log that was opened but holds no entry yet (its head is there)', async () => {
      await (await AuditLog.open(dir)).close();
      expect(await verifyAudit(dir)).toEqual({ ok: true, entries: 0, segments: 0 });
    });
  });

  describe('when verified', () => {
    it('passes a good log', async () => {
      await writeLog(10);
      expect(await verifyAudit(dir)).toEqual({ ok: true, entries: 10, segments: 1 });
    });

    it('passes a good log spread over segments', async () => {
      await writeLog(30, 700);
      const report = await verifyAudit(dir);
      expect(report.ok).toBe(true);
      expect(report.entries).toBe(30);
      expect(report.segments).toBeGreaterThan(3);
    });
  });

  describe('when a field of a middle entry was edited', () => {
    it('names that entry as edited', async () => {
      const log = await writeLog(10);
      log[4] = (log[4] as string).replace('file-5.txt', 'file-X.txt');
      await rewrite(log);
      expect(await verifyAudit(dir)).toMatchObject({
        ok: false,
        firstBad: { segment: SEGMENT, line: 5, seq: 5, problem: 'edited' },
      });
    });
  });

  describe('when an entry was edited and its hash recomputed', () => {
    it('names the entry whose link no longer holds', async () => {
      const log = await writeLog(10);
      const entry = JSON.parse(log[4] as string) as Record<string, unknown>;
      delete entry.hash;
      entry.item = 'forged';
      log[4] = encodeEntry(entry).line;
      await rewrite(log);
      expect(await verifyAudit(dir)).toMatchObject({
        ok: false,
        firstBad: { segment: SEGMENT, line: 6, seq: 6, problem: 'edited' },
      });
    });
  });

  describe('when a line was deleted', () => {
    it('reports the entry as missing where it was', async () => {
      const log = await writeLog(10);
      log.splice(3, 1);
      await rewrite(log);
      expect(await verifyAudit(dir)).toMatchObject({
        ok: false,
        firstBad: { segment: SEGMENT, line: 4, seq: 5, problem: 'missing' },
      });
    });
  });

  describe('when a forged line was inserted', () => {
    it('names it even when its seq, prev and own hash are right', async () => {
      const log = await writeLog(10);
      const before = JSON.parse(log[3] as string) as { seq: number; hash: string };
      const forged = encodeEntry({
        seq: before.seq + 1,
        time: new Date().toISOString(),
        actor: 'mallory',
        event: 'transfer.delivered',
        prev: before.hash,
      }).line;
      log.splice(4, 0, forged);
      await rewrite(log);
      expect(await verifyAudit(dir)).toMatchObject({
        ok: false,
        firstBad: { segment: SEGMENT, line: 5, seq: 5, problem: 'inserted' },
      });
    });

    it('names a line with an unrelated seq', async () => {
      const log = await writeLog(10);
      const forged = encodeEntry({
        seq: 99,
        time: new Date().toISOString(),
        actor: 'mallory',
        event: 'x',
        prev: '1'.repeat(64),
      }).line;
      log.splice(4, 0, forged);
      await rewrite(log);
      expect((await verifyAudit(dir)).firstBad).toEqual({
        segment: SEGMENT,
        line: 5,
        seq: 99,
        problem: 'inserted',
      });
    });

    it('names a duplicated line', async () => {
      const log = await writeLog(10);
      log.splice(5, 0, log[4] as string);
      await rewrite(log);
      expect((await verifyAudit(dir)).firstBad).toEqual({
        segment: SEGMENT,
        line: 6,
        seq: 5,
        problem: 'inserted',
      });
    });
  });

  describe('when two lines were swapped', () => {
    it('reports adjacent lines as reordered', async () => {
      const log = await writeLog(10);
      [log[3], log[4]] = [log[4] as string, log[3] as string];
      await rewrite(log);
      expect((await verifyAudit(dir)).firstBad).toEqual({
        segment: SEGMENT,
        line: 4,
        seq: 5,
        problem: 'reordered',
      });
    });

    it('reports distant lines as reordered', async () => {
      const log = await writeLog(10);
      [log[2], log[7]] = [log[7] as string, log[2] as string];
      await rewrite(log);
      expect((await verifyAudit(dir)).firstBad).toEqual({
        segment: SEGMENT,
        line: 3,
        seq: 8,
        problem: 'reordered',
      });
    });
  });

  describe('when the last entries were cut off', () => {
    it('reports the chain as truncated against the head', async () => {
      const log = await writeLog(10);
      await rewrite(log.slice(0, 7));
      expect((await verifyAudit(dir)).firstBad).toEqual({
        segment: SEGMENT,
        line: 8,
        seq: 8,
        problem: 'truncated',
      });
    });

    it('reports a cut in the middle of the last line as truncated', async () => {
      const log = await writeLog(10);
      const text = log.map((l) => `${l}\n`).join('');
      await writeFile(join(dir, SEGMENT), text.slice(0, text.length - 40));
      expect((await verifyAudit(dir)).firstBad).toEqual({
        segment: SEGMENT,
        line: 10,
        seq: 10,
        problem: 'truncated',
      });
    });

    it('reports a removed last segment as truncated', async () => {
      await writeLog(30, 700);
      const segments = await listSegments(dir);
      await rm((segments.at(-1) as { path: string }).path);
      const report = await verifyAudit(dir);
      expect(report.firstBad?.problem).toBe('truncated');
      expect(report.firstBad?.segment).toBe(segments.at(-2)?.name);
    });

    it('reports a removed head as missing', async () => {
      await writeLog(3);
      await rm(join(dir, 'audit.head'));
      expect((await verifyAudit(dir)).firstBad).toEqual({
        segment: 'audit.head',
        line: 1,
        problem: 'missing',
      });
    });
  });

  describe('when a middle segment was removed', () => {
    it('names the missing segment', async () => {
      await writeLog(30, 700);
      await rm(join(dir, 'audit-000002.jsonl'));
      expect((await verifyAudit(dir)).firstBad).toEqual({
        segment: 'audit-000002.jsonl',
        line: 1,
        problem: 'missing',
      });
    });

    it('names a gap hidden by renaming the later segments as missing entries', async () => {
      await writeLog(30, 700);
      const segments = await listSegments(dir);
      await rm(join(dir, 'audit-000002.jsonl'));
      for (const s of segments.slice(2)) {
        await rename(s.path, join(dir, `audit-${String(s.index - 1).padStart(6, '0')}.jsonl`));
      }
      const report = await verifyAudit(dir);
      expect(report.firstBad).toMatchObject({
        segment: 'audit-000002.jsonl',
        line: 1,
        problem: 'missing',
      });
    });
  });

  describe('when a line is not an entry', () => {
    it('names it as unparseable', async () => {
      const log = await writeLog(5);
      log[2] = 'not json at all';
      await rewrite(log);
      expect((await verifyAudit(dir)).firstBad).toEqual({
        segment: SEGMENT,
        line: 3,
        problem: 'unparseable',
      });
    });
  });
});
