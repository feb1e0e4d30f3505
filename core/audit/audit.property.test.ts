import fc from 'fast-check';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../contract/methods.js';
import { AuditLog, readAudit, verifyAudit } from './index.js';
import { listSegments } from './store.js';

const RESERVED = new Set(['seq', 'time', 'prev', 'hash', 'actor', 'event']);

/** Any text, including astral characters, control characters and lone surrogates. */
const text = fc.string({ unit: 'binary', maxLength: 40 });
const value = fc.oneof(
  text,
  fc.integer(),
  // -0 is written as 0 by JSON: not a value an entry can hold apart from 0.
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (x === 0 ? 0 : x)),
);
const fields = fc.record({
  actor: text,
  event: text,
  extra: fc.dictionary(
    text.filter((k) => !RESERVED.has(k)),
    value,
    { maxKeys: 6 },
  ),
});

async function withLog<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'cloison-audit-prop-'));
  try {
    return await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

type Fields = { actor: string; event: string; extra: Record<string, unknown> };

async function write(dir: string, all: Fields[]): Promise<AuditEntry[]> {
  const log = await AuditLog.open(dir, { segmentBytes: 600 });
  try {
    return await Promise.all(
      all.map(({ actor, event, extra }) => log.append({ ...extra, actor, event })),
    );
  } finally {
    await log.close();
  }
}

describe('audit log', () => {
  describe('for any entries with arbitrary string and number fields', () => {
    it('reads back exactly what was appended, and verifies', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fields, { minLength: 1, maxLength: 12 }), (all) =>
          withLog(async (dir) => {
            const written = await write(dir, all);
            const read: AuditEntry[] = [];
            for await (const entry of readAudit(dir)) read.push(entry);
            expect(read).toEqual(written);
            for (const [i, f] of all.entries()) {
              expect(read[i]).toMatchObject({ ...f.extra, actor: f.actor, event: f.event });
            }
            const report = await verifyAudit(dir);
            expect(report.ok).toBe(true);
            expect(report.entries).toBe(all.length);
          }),
        ),
        { numRuns: 40 },
      );
    });
  });

  describe('when any single byte of any line is changed', () => {
    // No exceptions: each line's hash covers its stored bytes (not a re-serialisation), so even a
    // change that JSON would not see (whitespace, an escape written differently) breaks it; a
    // change to the newline splits or joins lines, and a change in the hash no longer matches.
    it('fails verification', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fields, { minLength: 1, maxLength: 8 }),
          fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 })), {
            minLength: 1,
            maxLength: 8,
          }),
          (all, changes) =>
            withLog(async (dir) => {
              await write(dir, all);
              const segments = await listSegments(dir);
              for (const [which, where, delta] of changes) {
                const segment = segments[which % segments.length];
                if (segment === undefined) throw new Error('no segment');
                const original = await readFile(segment.path);
                if (original.length === 0) continue;
                const changed = Buffer.from(original);
                const at = where % changed.length;
                changed[at] = ((changed[at] as number) + delta) % 256;
                await writeFile(segment.path, changed);
                const report = await verifyAudit(dir);
                expect(report.ok, `byte ${at} of ${segment.name} changed`).toBe(false);
                await writeFile(segment.path, original);
              }
              expect((await verifyAudit(dir)).ok).toBe(true);
            }),
        ),
        { numRuns: 40 },
      );
    });
  });
});
