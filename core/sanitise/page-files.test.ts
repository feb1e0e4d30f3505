// Page files from the attacker's side: a renderer taken over by its document leaves, in the place
// of a page, whatever it likes in its page folder; the broker reads that folder from outside
// through a real throw-away compartment's /proc/<init>/root, as pdf-rasterise does. Each hostile
// entry is refused with its reason, next to a well-formed page that is read (the control).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compartmentAccount } from '../compartment/account.js';
import { startThrowaway, type ThrowawayRun } from '../compartment/throwaway.js';
import { CloisonError } from '../contract/errors.js';
import { pageFileName, PageFolder, parsePageDone } from './page-files.js';
import { plainPdf } from '../testing/pdfs.js';
import { FrameReader } from './pixels.js';

const MAX_PIXELS = 1000;

// Made inside the compartment, before it says ready (a renderer gone hostile would do the same
// later; the folder is still the one the broker opened).
const HOSTILE = `
set -e
mkdir /tmp/pages && cd /tmp/pages
printf 'P6\\n2 1\\n255\\nabcdef' > good.ppm
printf 'P6\\n10 10\\n255\\n0123456789' > short.ppm
printf 'P6\\n2 1\\n255\\nabcdefEXTRA' > long.ppm
printf 'P6\\n100 100\\n255\\n' > wide.ppm
echo 'not a picture at all' > text.ppm
ln -s /etc/passwd link.ppm
ln -s good.ppm relative-link.ppm
mkfifo fifo.ppm
mkdir folder.ppm
truncate -s 1048576 huge.ppm
: > empty.ppm
echo ready
read -r go
sleep 30
`;

let run: ThrowawayRun;
let done: Promise<unknown>;
let folder: Awaited<ReturnType<ThrowawayRun['openFolder']>>;

beforeAll(async () => {
  const account = await compartmentAccount('nobody');
  let said = '';
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  run = await startThrowaway({
    argv: ['/bin/sh', '/in/hostile.sh'],
    inputs: [{ dest: '/in/hostile.sh', data: Buffer.from(HOSTILE) }],
    limits: { memoryBytes: 256 << 20, cpuSeconds: 30, wallSeconds: 30, tmpBytes: 8 << 20 },
    ...(account ? { account } : {}),
    masked: [],
    control: true,
    onStdout: (chunk) => {
      said += chunk.toString();
      if (said.includes('ready\n')) ready();
    },
  });
  done = run.done;
  await isReady;
  folder = await run.openFolder('/tmp/pages');
  run.tell('go');
});

afterAll(async () => {
  await folder?.close();
  run?.stop('done');
  await done;
});

const pages = () =>
  new PageFolder(
    'pdf-rasterise',
    folder,
    new FrameReader('pdf-rasterise', { maxPixels: MAX_PIXELS, maxFrames: 10 }, 'page'),
    MAX_PIXELS,
  );

async function refusal(name: string): Promise<CloisonError> {
  const error = await pages()
    .take(name)
    .then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
  expect(error).toBeInstanceOf(CloisonError);
  return error as CloisonError;
}

describe('a page folder seen from the broker', () => {
  it('reads a well-formed page, then removes it (the control)', async () => {
    const frame = await pages().take('good.ppm');
    expect(frame).toMatchObject({ width: 2, height: 1, channels: 3 });
    expect(frame.pixels.toString()).toBe('abcdef');
    expect(await pages().leftovers()).not.toContain('good.ppm');
  });

  it.each([
    [
      'a file shorter than its header says',
      'short.ppm',
      'BAD_CONTENT',
      /^Page 1 holds 10 bytes of pixels, not the 300 its header says \(10×10\)\.$/,
    ],
    [
      'a file longer than its header says',
      'long.ppm',
      'BAD_CONTENT',
      /^Page 1 holds 11 bytes of pixels, not the 6 /,
    ],
    [
      'a header over the pixel limit',
      'wide.ppm',
      'TOO_LARGE',
      /^Page 1 is 100×100 pixels \(10000\), over the limit of 1000 pixels\.$/,
    ],
    [
      'something other than a picture',
      'text.ppm',
      'BAD_CONTENT',
      /^Page 1: the stream holds something other than a PPM or PAM frame\.$/,
    ],
    [
      'a symbolic link to a host file',
      'link.ppm',
      'BAD_CONTENT',
      /^Page 1 is a symbolic link, not a page\.$/,
    ],
    [
      'a symbolic link to a good page',
      'relative-link.ppm',
      'BAD_CONTENT',
      /^Page 1 is a symbolic link, not a page\.$/,
    ],
    [
      'a fifo (without waiting for a writer)',
      'fifo.ppm',
      'BAD_CONTENT',
      /^Page 1 is a fifo, not a page\.$/,
    ],
    ['a folder', 'folder.ppm', 'BAD_CONTENT', /^Page 1 is a folder, not a page\.$/],
    [
      'a huge file (before reading it)',
      'huge.ppm',
      'TOO_LARGE',
      /^Page 1 is a file of 1048576 bytes, over the 4128 bytes of the largest page allowed\.$/,
    ],
    ['an empty file', 'empty.ppm', 'BAD_CONTENT', /^Page 1 was cut short by the renderer\.$/],
    [
      'a page that is not there',
      'absent.ppm',
      'BAD_CONTENT',
      /^Page 1 is missing from the renderer's folder\.$/,
    ],
  ] as const)('refuses %s', async (_what, name, code, message) => {
    const error = await refusal(name);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(error.details).toMatchObject({ sanitiser: 'pdf-rasterise' });
  });

  it('names what else the renderer left there', async () => {
    const left = await pages().leftovers();
    expect(left).toEqual(expect.arrayContaining(['link.ppm', 'fifo.ppm', 'folder.ppm']));
    expect(left).not.toContain('good.ppm');
  });
});

describe("pdftoppm's progress lines", () => {
  it.each([
    ['7 20 /tmp/pages/p-07.ppm', { page: 7, last: 20, file: 'p-07.ppm' }],
    ['1 1 /tmp/pages/p-1.ppm', { page: 1, last: 1, file: 'p-1.ppm' }],
    ['Syntax Error (12): Illegal character', undefined],
    ['7 20 /tmp/elsewhere/p-07.ppm', undefined],
    ['-1 20 /tmp/pages/p-07.ppm', undefined],
    ['7 20 /tmp/pages/p-07.ppm trailing', undefined],
  ])('%j', (line, expected) => {
    expect(parsePageDone(line, '/tmp/pages/p')).toEqual(expected);
  });

  it.each([
    [7, 20, 'p-07.ppm'],
    [1, 1, 'p-1.ppm'],
    [12, 1000, 'p-0012.ppm'],
  ])('page %i of %i is %s', (page, of, name) => {
    expect(pageFileName(page, of)).toBe(name);
  });

  it('match what pdftoppm really writes and says', () => {
    // The names and lines the broker expects are pdftoppm's own: checked against the real thing.
    const dir = mkdtempSync('/tmp/cloison-names-');
    try {
      writeFileSync(`${dir}/doc.pdf`, plainPdf(12, 10, 10));
      const { stderr } = spawnSync(
        'pdftoppm',
        ['-progress', '-r', '10', `${dir}/doc.pdf`, `${dir}/p`],
        { encoding: 'utf8' },
      );
      const expected = Array.from({ length: 12 }, (_, i) => pageFileName(i + 1, 12));
      expect(
        readdirSync(dir)
          .filter((n) => n.endsWith('.ppm'))
          .sort(),
      ).toEqual(expected);
      const said = stderr
        .trim()
        .split('\n')
        .map((l) => parsePageDone(l, `${dir}/p`));
      expect(said).toEqual(expected.map((file, i) => ({ page: i + 1, last: 12, file })));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
