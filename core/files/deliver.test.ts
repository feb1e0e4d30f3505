import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloisonError } from '../contract/errors.js';
import { cleanPartials, deliverFiles, removeSources, type DeliverOptions } from './deliver.js';
import { PARTIAL_PREFIX } from './names.js';
import { scanSources } from './scan.js';

let tmp: string;
/** The source level's home ("low") and the target level's home ("high"). */
let low: string;
let high: string;
let incoming: string;

beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cloison-deliver-'));
  low = path.join(tmp, 'low');
  high = path.join(tmp, 'high');
  incoming = path.join(high, 'Incoming', 'low');
  await fs.mkdir(low);
  await fs.mkdir(high);
});
afterEach(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function put(home: string, rel: string, content: string | Buffer = 'x'): Promise<void> {
  await fs.mkdir(path.dirname(path.join(home, rel)), { recursive: true });
  await fs.writeFile(path.join(home, rel), content);
}

const sha = (b: string | Buffer): string => createHash('sha256').update(b).digest('hex');

/** Every entry below `dir`, as `path` or `path -> link target`, never following links. */
async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(rel: string): Promise<void> {
    for (const name of (await fs.readdir(path.join(dir, rel))).sort()) {
      const r = rel === '' ? name : `${rel}/${name}`;
      const st = await fs.lstat(path.join(dir, r));
      if (st.isSymbolicLink()) out.push(`${r} -> ${await fs.readlink(path.join(dir, r))}`);
      else if (st.isDirectory()) {
        out.push(`${r}/`);
        await walk(r);
      } else out.push(r);
    }
  }
  await walk('');
  return out;
}

/** What the broker does: scan the source home, then deliver into the target's Incoming/low. */
async function send(paths: string[], options: Partial<DeliverOptions> = {}) {
  const entries = await scanSources(low, paths);
  return deliverFiles(entries, { sourceHome: low, targetDir: incoming, ...options });
}

async function failure(p: Promise<unknown>): Promise<CloisonError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CloisonError);
  return err as CloisonError;
}

describe('deliverFiles', () => {
  describe('when every file can be sent', () => {
    it('delivers a file into Incoming/<source> with its digest, synced, mode 0640, no temporary left', async () => {
      await put(low, 'docs/report.txt', 'hello');
      const delivered = await send(['docs/report.txt']);
      expect([...delivered]).toEqual([
        {
          relPath: 'docs/report.txt',
          deliveredAs: 'Incoming/low/report.txt',
          size: 5,
          sha256: sha('hello'),
          deliveredSize: 5,
          deliveredSha256: sha('hello'),
        },
      ]);
      expect(await fs.readFile(path.join(high, 'Incoming/low/report.txt'), 'utf8')).toBe('hello');
      const st = await fs.stat(path.join(high, 'Incoming/low/report.txt'));
      expect(st.mode & 0o777).toBe(0o640);
      expect(st.nlink).toBe(1);
      expect(await tree(high)).toEqual(['Incoming/', 'Incoming/low/', 'Incoming/low/report.txt']);
    });

    it('recreates a given folder under its basename, with its sub-folders', async () => {
      await put(low, 'work/project/a.txt', 'a');
      await put(low, 'work/project/sub/b.txt', 'b');
      const delivered = await send(['work/project']);
      expect(delivered.map((d) => d.deliveredAs)).toEqual([
        'Incoming/low/project/a.txt',
        'Incoming/low/project/sub/b.txt',
      ]);
      expect(await fs.readFile(path.join(incoming, 'project/sub/b.txt'), 'utf8')).toBe('b');
    });

    it('delivers an empty file', async () => {
      await put(low, 'empty', '');
      const [d] = await send(['empty']);
      expect(d?.sha256).toBe(sha(''));
      expect((await fs.stat(path.join(incoming, 'empty'))).size).toBe(0);
    });

    it('makes names with bidi or control characters safe, and says so in renamed', async () => {
      await put(low, 'd\u0007ir/inv\u202eoice.txt', 'x');
      const [d] = await send(['d\u0007ir']);
      expect(d?.deliveredAs).toBe('Incoming/low/dir/invoice.txt');
      expect(d?.renamed).toContain('removed control characters');
      expect(d?.renamed).toContain('removed bidirectional control characters');
      expect(await tree(incoming)).toEqual(['dir/', 'dir/invoice.txt']);
    });

    it('reports progress in bytes', async () => {
      await put(low, 'a', Buffer.alloc(3 * 1024 * 1024 + 1));
      const seen: [number, number][] = [];
      await send(['a'], { onProgress: (done, total) => seen.push([done, total]) });
      expect(seen.at(-1)).toEqual([3 * 1024 * 1024 + 1, 3 * 1024 * 1024 + 1]);
      expect(seen.length).toBeGreaterThanOrEqual(4);
    });
  });

  describe('when a name is taken', () => {
    it('keeps the existing file and delivers under a numbered name', async () => {
      await put(high, 'Incoming/low/report.pdf', 'old');
      await put(high, 'Incoming/low/report (1).pdf', 'older');
      await put(low, 'report.pdf', 'new');
      const [d] = await send(['report.pdf']);
      expect(d?.deliveredAs).toBe('Incoming/low/report (2).pdf');
      expect(d?.renamed).toBe(
        '"Incoming/low/report.pdf" already exists, so it was delivered as "report (2).pdf".',
      );
      expect(await fs.readFile(path.join(incoming, 'report.pdf'), 'utf8')).toBe('old');
      expect(await fs.readFile(path.join(incoming, 'report (1).pdf'), 'utf8')).toBe('older');
      expect(await fs.readFile(path.join(incoming, 'report (2).pdf'), 'utf8')).toBe('new');
    });

    it('never merges a folder into an existing one: the folder gets a number', async () => {
      await put(high, 'Incoming/low/docs/a.txt', 'old');
      await put(low, 'docs/a.txt', 'new');
      const [d] = await send(['docs']);
      expect(d?.deliveredAs).toBe('Incoming/low/docs (1)/a.txt');
      expect(await fs.readFile(path.join(incoming, 'docs/a.txt'), 'utf8')).toBe('old');
    });

    it('gives two given folders of the same basename a folder each', async () => {
      await put(low, 'a/docs/x', '1');
      await put(low, 'b/docs/x', '2');
      const delivered = await send(['a/docs', 'b/docs']);
      expect(delivered.map((d) => d.deliveredAs)).toEqual([
        'Incoming/low/docs/x',
        'Incoming/low/docs (1)/x',
      ]);
    });

    it('does not write through a symlink planted at the final name', async () => {
      const outside = path.join(tmp, 'outside.txt');
      await fs.writeFile(outside, 'precious');
      await fs.mkdir(incoming, { recursive: true });
      await fs.symlink(outside, path.join(incoming, 'a.txt'));
      await put(low, 'a.txt', 'new');
      const [d] = await send(['a.txt']);
      expect(d?.deliveredAs).toBe('Incoming/low/a (1).txt');
      expect(await fs.readFile(outside, 'utf8')).toBe('precious');
    });
  });

  describe('refuses, naming the entry, and writes nothing to the target', () => {
    const cases: [string, () => Promise<void>, string, string][] = [
      [
        'a symlink to a file',
        () => fs.symlink('/etc/passwd', path.join(low, 'pw')),
        'pw',
        '"pw" is a symbolic link',
      ],
      [
        'a symlink to a folder',
        () => fs.symlink('/etc', path.join(low, 'etc')),
        'etc',
        '"etc" is a symbolic link',
      ],
      [
        'a symlink as an intermediate component',
        () => fs.symlink('/etc', path.join(low, 'etc')),
        'etc/hostname',
        '"etc/hostname" goes through "etc"',
      ],
      [
        'a file with 2 hard links',
        async () => {
          await put(low, 'a');
          await fs.link(path.join(low, 'a'), path.join(low, 'b'));
        },
        'a',
        '"a" is a hard link',
      ],
      [
        'a fifo',
        async () => {
          execFileSync('mkfifo', [path.join(low, 'pipe')]);
        },
        'pipe',
        '"pipe" is a named pipe',
      ],
      [
        'a symlink to /dev/null',
        () => fs.symlink('/dev/null', path.join(low, 'null')),
        'null',
        '"null" is a symbolic link',
      ],
      ['an absolute path', async () => undefined, '/etc/passwd', '"/etc/passwd" is absolute'],
      ['a ../ escape', async () => undefined, '../high/x', '"../high/x" climbs out'],
    ];
    it.each(cases)('%s', async (_what, plant, given, message) => {
      await put(low, 'fine.txt');
      await plant();
      const e = await failure(send(['fine.txt', given]));
      expect(e.message).toContain(message);
      expect(await tree(high)).toEqual([]);
    });

    // mknod needs CAP_MKNOD: runs as root here; skipped (and says so) elsewhere.
    it.skipIf(process.getuid?.() !== 0)('a device node (root only, to create it)', async () => {
      execFileSync('mknod', [path.join(low, 'zero'), 'c', '1', '5']);
      const e = await failure(send(['zero']));
      expect(e.code).toBe('UNSUPPORTED_FILE');
      expect(e.message).toContain('"zero" is a character device');
      expect(await tree(high)).toEqual([]);
    });
  });

  describe('is all or nothing', () => {
    it('removes the files it delivered when a later file fails', async () => {
      await put(low, 'a', 'a');
      await put(low, 'b', 'b');
      await put(low, 'c', 'c');
      const expected = new Map([
        ['a', sha('a')],
        ['b', sha('not b')],
        ['c', sha('c')],
      ]);
      const e = await failure(send(['a', 'b', 'c'], { expected }));
      expect(e.code).toBe('BAD_CONTENT');
      expect(e.message).toContain('"b" changed since it was inspected');
      expect(await tree(high)).toEqual([]);
    });

    it('removes what it created when a source is swapped for a symlink after the scan', async () => {
      await put(low, 'd/a', 'a');
      await put(low, 'd/b', 'b');
      const entries = await scanSources(low, ['d']);
      await fs.rm(path.join(low, 'd/b'));
      await fs.symlink('/etc/passwd', path.join(low, 'd/b'));
      const e = await failure(deliverFiles(entries, { sourceHome: low, targetDir: incoming }));
      expect(e.code).toBe('UNSUPPORTED_FILE');
      expect(e.message).toContain('"d/b"');
      expect(await tree(high)).toEqual([]);
    });

    it('removes what it created when an intermediate folder is swapped for a symlink after the scan', async () => {
      await put(low, 'd/a', 'a');
      await put(tmp, 'elsewhere/a', 'secret');
      const entries = await scanSources(low, ['d/a']);
      await fs.rename(path.join(low, 'd'), path.join(low, 'd.old'));
      await fs.symlink(path.join(tmp, 'elsewhere'), path.join(low, 'd'));
      const e = await failure(deliverFiles(entries, { sourceHome: low, targetDir: incoming }));
      expect(e.code).toBe('UNSUPPORTED_FILE');
      expect(e.message).toContain('without following a symbolic link');
      expect(await tree(high)).toEqual([]);
    });

    it('keeps files that were there before when it rolls back', async () => {
      await put(high, 'Incoming/low/a', 'old');
      await put(low, 'a', 'new');
      await put(low, 'b', 'b');
      const expected = new Map([
        ['a', sha('new')],
        ['b', sha('other')],
      ]);
      await failure(send(['a', 'b'], { expected }));
      expect(await tree(high)).toEqual(['Incoming/', 'Incoming/low/', 'Incoming/low/a']);
      expect(await fs.readFile(path.join(incoming, 'a'), 'utf8')).toBe('old');
    });

    it('undoes a whole delivery on request (when the audit entry cannot be written)', async () => {
      await put(low, 'd/a', 'a');
      await put(low, 'b', 'b');
      const delivered = await send(['d', 'b']);
      expect(await tree(incoming)).toEqual(['b', 'd/', 'd/a']);
      await delivered.undo();
      expect(await tree(high)).toEqual([]);
    });

    it('rolls back and rejects with the reason when aborted', async () => {
      await put(low, 'a', 'a');
      await put(low, 'b', Buffer.alloc(4 * 1024 * 1024));
      const controller = new AbortController();
      const err = await send(['a', 'b'], {
        signal: controller.signal,
        onProgress: (done) => {
          if (done > 2 * 1024 * 1024) controller.abort(new Error('cancelled by the user'));
        },
      }).catch((e: unknown) => e);
      expect(err).toEqual(new Error('cancelled by the user'));
      expect(await tree(high)).toEqual([]);
    });
  });

  describe('when a source changed after it was inspected', () => {
    it('refuses a file rewritten after the scan (its identity and its digest both differ)', async () => {
      await put(low, 'a.txt', 'inspected');
      const entries = await scanSources(low, ['a.txt']);
      await fs.writeFile(path.join(low, 'a.txt'), 'tampered'.padEnd(9, '!'));
      const e = await failure(
        deliverFiles(entries, {
          sourceHome: low,
          targetDir: incoming,
          expected: new Map([['a.txt', sha('inspected')]]),
        }),
      );
      expect(e.code).toBe('BAD_CONTENT');
      expect(e.message).toMatch(/^"a\.txt" was replaced or changed since it was inspected/u);
      expect(await tree(high)).toEqual([]);
    });

    it('refuses bytes whose digest is not the inspected one, even when the metadata did not change', async () => {
      await put(low, 'a.txt', 'bytes');
      const e = await failure(send(['a.txt'], { expected: new Map([['a.txt', sha('other')]]) }));
      expect(e.code).toBe('BAD_CONTENT');
      expect(e.message).toContain(
        `"a.txt" changed since it was inspected (its SHA-256 is now ${sha('bytes')}`,
      );
      expect(await tree(high)).toEqual([]);
    });

    it('refuses a file whose size changed, even without a digest', async () => {
      await put(low, 'a.txt', 'short');
      const entries = await scanSources(low, ['a.txt']);
      await fs.appendFile(path.join(low, 'a.txt'), ' and longer');
      const e = await failure(deliverFiles(entries, { sourceHome: low, targetDir: incoming }));
      expect(e.code).toBe('BAD_CONTENT');
    });

    it('refuses a file replaced by another (different inode)', async () => {
      await put(low, 'a.txt', 'one');
      const entries = await scanSources(low, ['a.txt']);
      await fs.rm(path.join(low, 'a.txt'));
      await put(low, 'a.txt', 'two');
      const e = await failure(deliverFiles(entries, { sourceHome: low, targetDir: incoming }));
      expect(e.code).toBe('BAD_CONTENT');
      expect(e.message).toContain('"a.txt" was replaced or changed');
    });

    it('refuses a file that no inspected digest covers', async () => {
      await put(low, 'a.txt');
      const e = await failure(send(['a.txt'], { expected: new Map() }));
      expect(e.code).toBe('BAD_CONTENT');
      expect(e.message).toContain('was not inspected');
    });
  });

  describe('when the target level planted links in its Incoming', () => {
    it('does not follow a symlink Incoming/<source>: nothing is written outside', async () => {
      const elsewhere = path.join(tmp, 'elsewhere');
      await fs.mkdir(elsewhere);
      await fs.mkdir(path.join(high, 'Incoming'));
      await fs.symlink(elsewhere, incoming);
      await put(low, 'a.txt');
      const e = await failure(send(['a.txt']));
      expect(e.code).toBe('BAD_PATH');
      expect(e.message).toContain('"Incoming/low" is a symbolic link, not a folder');
      expect(await tree(elsewhere)).toEqual([]);
    });

    it('does not follow a symlink Incoming', async () => {
      const elsewhere = path.join(tmp, 'elsewhere');
      await fs.mkdir(elsewhere);
      await fs.symlink(elsewhere, path.join(high, 'Incoming'));
      await put(low, 'a.txt');
      const e = await failure(send(['a.txt']));
      expect(e.message).toContain('"Incoming" is a symbolic link');
      expect(await tree(elsewhere)).toEqual([]);
    });

    it('refuses a file in the place of Incoming/<source>', async () => {
      await put(high, 'Incoming/low', 'a file');
      await put(low, 'a.txt');
      const e = await failure(send(['a.txt']));
      expect(e.message).toContain('"Incoming/low" is a regular file, not a folder');
    });
  });

  describe('through a sanitiser', () => {
    it('delivers what the transform returns, with both digests', async () => {
      await put(low, 'a.txt', 'hello');
      const [d] = await send(['a.txt'], {
        transform: async (_e, bytes) => Buffer.from(Buffer.from(bytes).toString().toUpperCase()),
      });
      expect(d).toMatchObject({
        size: 5,
        sha256: sha('hello'),
        deliveredSize: 5,
        deliveredSha256: sha('HELLO'),
      });
      expect(await fs.readFile(path.join(incoming, 'a.txt'), 'utf8')).toBe('HELLO');
    });

    it('streams the entries that do not need it', async () => {
      await put(low, 'a.txt', 'a');
      await put(low, 'b.txt', 'b');
      const seen: string[] = [];
      await send(['a.txt', 'b.txt'], {
        transform: async (e, bytes) => {
          seen.push(e.relPath);
          return bytes;
        },
        needsTransform: (e) => e.relPath === 'b.txt',
      });
      expect(seen).toEqual(['b.txt']);
    });

    it('refuses a file larger than the sanitiser reads, as too large', async () => {
      await put(low, 'a.txt', 'hello');
      const e = await failure(
        send(['a.txt'], { transform: async (_e, b) => b, maxTransformBytes: 4 }),
      );
      expect(e.code).toBe('TOO_LARGE');
      expect(await tree(high)).toEqual([]);
    });

    it('reports a failing transform as SANITISER_FAILED and rolls back', async () => {
      await put(low, 'a.txt', 'a');
      await put(low, 'b.txt', 'b');
      const e = await failure(
        send(['a.txt', 'b.txt'], {
          transform: async (entry, b) => {
            if (entry.relPath === 'b.txt') throw new Error('not an image');
            return b;
          },
        }),
      );
      expect(e.code).toBe('SANITISER_FAILED');
      expect(e.message).toContain('"b.txt"');
      expect(await tree(high)).toEqual([]);
    });
  });

  it('copies a 200 MiB file with the right digest in bounded memory', async () => {
    const size = 200 * 1024 * 1024;
    const block = randomBytes(1024 * 1024);
    const hash = createHash('sha256');
    const fh = await fs.open(path.join(low, 'big.bin'), 'w');
    for (let i = 0; i < size / block.length; i++) {
      block.writeUInt32LE(i, 0); // every MiB differs
      hash.update(block);
      await fh.write(block);
    }
    await fh.close();
    const before = process.memoryUsage().rss;
    let peak = before;
    const [d] = await send(['big.bin'], {
      onProgress: () => {
        peak = Math.max(peak, process.memoryUsage().rss);
      },
    });
    expect(d?.sha256).toBe(hash.digest('hex'));
    expect(d?.deliveredSize).toBe(size);
    expect((await fs.stat(path.join(incoming, 'big.bin'))).size).toBe(size);
    expect(peak - before).toBeLessThan(64 * 1024 * 1024);
  });
});

describe('removeSources (moves)', () => {
  it('removes the sources only when called, after delivery, and their emptied folders', async () => {
    await put(low, 'd/sub/a', 'a');
    await put(low, 'b', 'b');
    const entries = await scanSources(low, ['d', 'b']);
    await deliverFiles(entries, { sourceHome: low, targetDir: incoming });
    expect(await tree(low)).toEqual(['b', 'd/', 'd/sub/', 'd/sub/a']);
    const removal = await removeSources(entries, low);
    expect(removal).toEqual({ removed: ['d/sub/a', 'b'], kept: [] });
    expect(await tree(low)).toEqual([]);
    expect(await tree(incoming)).toEqual(['b', 'd/', 'd/sub/', 'd/sub/a']);
  });

  it('keeps a source replaced since the scan, and what else is in its folder', async () => {
    await put(low, 'd/a', 'a');
    const entries = await scanSources(low, ['d']);
    await fs.rm(path.join(low, 'd/a'));
    await put(low, 'd/a', 'another');
    await put(low, 'd/new', 'new');
    const removal = await removeSources(entries, low);
    expect(removal.kept).toEqual([
      { relPath: 'd/a', reason: 'it was replaced or changed since it was sent' },
    ]);
    expect(await tree(low)).toEqual(['d/', 'd/a', 'd/new']);
  });

  it('does not follow a folder swapped for a symlink', async () => {
    await put(low, 'd/a', 'a');
    await put(tmp, 'elsewhere/a', 'keep');
    const entries = await scanSources(low, ['d/a']);
    await fs.rename(path.join(low, 'd'), path.join(low, 'd.old'));
    await fs.symlink(path.join(tmp, 'elsewhere'), path.join(low, 'd'));
    const removal = await removeSources(entries, low);
    expect(removal.removed).toEqual([]);
    expect(await fs.readFile(path.join(tmp, 'elsewhere/a'), 'utf8')).toBe('keep');
  });
});

describe('cleanPartials', () => {
  it('removes temporary files left by a crash, at any depth, and nothing else', async () => {
    await put(incoming, `${PARTIAL_PREFIX}abc`, 'half');
    await put(incoming, `docs/${PARTIAL_PREFIX}def`, 'half');
    await put(incoming, 'docs/kept.txt', 'whole');
    await put(incoming, '_.cloison-partial-but-delivered', 'whole');
    expect(await cleanPartials(path.join(high, 'Incoming'))).toBe(2);
    expect(await tree(high)).toEqual([
      'Incoming/',
      'Incoming/low/',
      'Incoming/low/_.cloison-partial-but-delivered',
      'Incoming/low/docs/',
      'Incoming/low/docs/kept.txt',
    ]);
  });

  it('does not follow links, and accepts a missing Incoming', async () => {
    await put(tmp, `elsewhere/${PARTIAL_PREFIX}x`, 'not ours');
    expect(await cleanPartials(path.join(high, 'Incoming'))).toBe(0);
    await fs.mkdir(path.join(high, 'Incoming'));
    await fs.symlink(path.join(tmp, 'elsewhere'), path.join(high, 'Incoming/low'));
    expect(await cleanPartials(path.join(high, 'Incoming'))).toBe(0);
    await fs.rm(path.join(high, 'Incoming'), { recursive: true });
    await fs.symlink(path.join(tmp, 'elsewhere'), path.join(high, 'Incoming'));
    expect(await cleanPartials(path.join(high, 'Incoming'))).toBe(0);
    expect(await tree(path.join(tmp, 'elsewhere'))).toEqual([`${PARTIAL_PREFIX}x`]);
  });

  it('a source file with the reserved prefix is delivered under another name', async () => {
    await put(low, `${PARTIAL_PREFIX}evil`, 'x');
    const [d] = await send([`${PARTIAL_PREFIX}evil`]);
    expect(d?.deliveredAs).toBe(`Incoming/low/_${PARTIAL_PREFIX}evil`);
    expect(await cleanPartials(path.join(high, 'Incoming'))).toBe(0);
  });
});
