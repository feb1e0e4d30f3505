import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloisonError } from '../contract/errors.js';
import { scanSources, type ScanProblem } from './scan.js';

let tmp: string;
let home: string;

beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cloison-scan-'));
  home = path.join(tmp, 'home');
  await fs.mkdir(home);
});
afterEach(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function put(rel: string, content = 'x'): Promise<void> {
  await fs.mkdir(path.dirname(path.join(home, rel)), { recursive: true });
  await fs.writeFile(path.join(home, rel), content);
}

/** Scans and returns the error it must throw. */
async function refusal(paths: string[]): Promise<CloisonError> {
  const err = await scanSources(home, paths).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CloisonError);
  return err as CloisonError;
}

const problemsOf = (e: CloisonError): ScanProblem[] => e.details.problems as ScanProblem[];

describe('scanSources', () => {
  describe('for regular files and folders', () => {
    it('lists a file with its size and identity, delivered under its basename', async () => {
      await put('docs/report.pdf', 'hello');
      const [e, ...rest] = await scanSources(home, ['docs/report.pdf']);
      expect(rest).toEqual([]);
      const st = await fs.stat(path.join(home, 'docs/report.pdf'));
      expect(e).toEqual({
        relPath: 'docs/report.pdf',
        root: 'docs/report.pdf',
        deliverPath: ['report.pdf'],
        size: 5,
        dev: st.dev,
        ino: st.ino,
        mtimeMs: st.mtimeMs,
        ctimeMs: st.ctimeMs,
      });
    });

    it('normalises the given path lexically', async () => {
      await put('docs/report.pdf');
      const [e] = await scanSources(home, ['./docs//x/../report.pdf']);
      expect(e?.relPath).toBe('docs/report.pdf');
    });

    it('walks a folder: its files, delivered under the folder basename; empty folders are not sent', async () => {
      await put('work/project/a.txt');
      await put('work/project/sub/b.txt');
      await fs.mkdir(path.join(home, 'work/project/empty'));
      const entries = await scanSources(home, ['work/project/']);
      expect(entries.map((e) => [e.relPath, e.deliverPath.join('/'), e.root])).toEqual([
        ['work/project/a.txt', 'project/a.txt', 'work/project'],
        ['work/project/sub/b.txt', 'project/sub/b.txt', 'work/project'],
      ]);
    });

    it('gives a name with bidi or control characters a safe name, and says so', async () => {
      await put('inv\u202eoice\u0007.txt');
      const [e] = await scanSources(home, ['inv\u202eoice\u0007.txt']);
      expect(e?.deliverPath).toEqual(['invoice.txt']);
      expect(e?.renamed).toContain('removed control characters');
      expect(e?.renamed).toContain('removed bidirectional control characters');
      expect(e?.renamed).toContain('"inv\\u{202e}oice\\u{7}.txt" is delivered as "invoice.txt"');
    });

    it('makes every component of a walked folder safe', async () => {
      await put('d/s\u202eub/f\u0001.txt');
      const [e] = await scanSources(home, ['d']);
      expect(e?.deliverPath).toEqual(['d', 'sub', 'f.txt']);
      expect(e?.renamed).toBeDefined();
    });
  });

  describe('refuses, naming the entry', () => {
    it('a symbolic link to a file', async () => {
      await put('real.txt');
      await fs.symlink(path.join(home, 'real.txt'), path.join(home, 'link.txt'));
      const e = await refusal(['link.txt']);
      expect(e.code).toBe('UNSUPPORTED_FILE');
      expect(e.message).toContain('"link.txt" is a symbolic link');
    });

    it('a symbolic link to a folder', async () => {
      await fs.symlink('/etc', path.join(home, 'etc'));
      const e = await refusal(['etc']);
      expect(e.code).toBe('UNSUPPORTED_FILE');
      expect(e.message).toContain('"etc" is a symbolic link');
    });

    it('a symbolic link as an intermediate component', async () => {
      await fs.symlink('/etc', path.join(home, 'etc'));
      const e = await refusal(['etc/passwd']);
      expect(e.code).toBe('UNSUPPORTED_FILE');
      expect(e.message).toContain('"etc/passwd" goes through "etc"');
      expect(e.message).toContain('symbolic link');
    });

    it('a symbolic link to /dev/null (a link, whatever it points to)', async () => {
      await fs.symlink('/dev/null', path.join(home, 'null'));
      const e = await refusal(['null']);
      expect(e.code).toBe('UNSUPPORTED_FILE');
      expect(e.message).toContain('"null" is a symbolic link');
    });

    it('a symbolic link inside a given folder', async () => {
      await put('d/ok.txt');
      await fs.symlink('/etc/passwd', path.join(home, 'd/passwd'));
      const e = await refusal(['d']);
      expect(e.message).toContain('"d/passwd" is a symbolic link');
    });

    it('a file with two hard links', async () => {
      await put('a.txt');
      await fs.link(path.join(home, 'a.txt'), path.join(home, 'b.txt'));
      const e = await refusal(['a.txt']);
      expect(e.code).toBe('UNSUPPORTED_FILE');
      expect(e.message).toContain('"a.txt" is a hard link (the file has 2 names)');
    });

    it('a named pipe (fifo)', async () => {
      execFileSync('mkfifo', [path.join(home, 'pipe')]);
      const e = await refusal(['pipe']);
      expect(e.code).toBe('UNSUPPORTED_FILE');
      expect(e.message).toContain('"pipe" is a named pipe (fifo)');
    });

    it('a socket', async () => {
      const server = net.createServer();
      await new Promise<void>((resolve) => server.listen(path.join(home, 'sock'), resolve));
      try {
        const e = await refusal(['sock']);
        expect(e.message).toContain('"sock" is a socket');
      } finally {
        server.close();
      }
    });

    // mknod needs CAP_MKNOD: this runs as root here; elsewhere it is skipped, and says so.
    it.skipIf(process.getuid?.() !== 0)('a device node (needs root to create one)', async () => {
      execFileSync('mknod', [path.join(home, 'null'), 'c', '1', '3']);
      const e = await refusal(['null']);
      expect(e.code).toBe('UNSUPPORTED_FILE');
      expect(e.message).toContain('"null" is a character device');
    });

    it('an absolute path', async () => {
      const e = await refusal(['/etc/passwd']);
      expect(e.code).toBe('BAD_PATH');
      expect(e.message).toContain('"/etc/passwd" is absolute');
    });

    it('a path climbing out of the home with ..', async () => {
      const e = await refusal(['docs/../../secret']);
      expect(e.code).toBe('BAD_PATH');
      expect(e.message).toContain('"docs/../../secret" climbs out');
    });

    it('a missing file', async () => {
      const e = await refusal(['nope.txt']);
      expect(e.code).toBe('BAD_PATH');
      expect(e.message).toContain('"nope.txt" does not exist');
    });

    it('a path through a file', async () => {
      await put('a.txt');
      const e = await refusal(['a.txt/b']);
      expect(e.message).toContain('"a.txt/b" goes through "a.txt", which is a regular file');
    });

    it('the home itself, and an empty path', async () => {
      const e = await refusal(['.', '']);
      expect(problemsOf(e).map((p) => p.path)).toEqual(['.', '']);
    });

    it('a path given twice', async () => {
      await put('a.txt');
      const e = await refusal(['a.txt', './a.txt']);
      expect(e.code).toBe('BAD_PATH');
      expect(e.message).toContain('"./a.txt" is given twice');
    });

    it('a file given together with a folder above it', async () => {
      await put('d/a.txt');
      const e = await refusal(['d/a.txt', 'd']);
      expect(e.code).toBe('BAD_PATH');
      expect(e.message).toContain('"d/a.txt" is inside "d", which is also given');
    });
  });

  it('collects every problem of a request in one error, each with its own code', async () => {
    await put('ok.txt');
    await fs.symlink('/etc', path.join(home, 'etc'));
    execFileSync('mkfifo', [path.join(home, 'pipe')]);
    const e = await refusal(['ok.txt', 'etc', 'pipe', '/abs', '../up', 'missing']);
    expect(e.code).toBe('BAD_PATH');
    expect(problemsOf(e).map((p) => [p.path, p.code])).toEqual([
      ['/abs', 'BAD_PATH'],
      ['../up', 'BAD_PATH'],
      ['etc', 'UNSUPPORTED_FILE'],
      ['pipe', 'UNSUPPORTED_FILE'],
      ['missing', 'BAD_PATH'],
    ]);
    expect(e.message).toMatch(/^5 paths cannot be sent, so nothing was sent: /u);
  });

  it('uses UNSUPPORTED_FILE when every problem is an unsupported file', async () => {
    execFileSync('mkfifo', [path.join(home, 'p1')]);
    execFileSync('mkfifo', [path.join(home, 'p2')]);
    const e = await refusal(['p1', 'p2']);
    expect(e.code).toBe('UNSUPPORTED_FILE');
  });

  it('refuses a folder holding more entries than allowed, as too large', async () => {
    for (const n of ['a', 'b', 'c']) await put(`d/${n}`);
    await expect(scanSources(home, ['d'], { maxEntries: 2 })).rejects.toMatchObject({
      code: 'TOO_LARGE',
    });
  });
});
