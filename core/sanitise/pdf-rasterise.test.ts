// pdf-rasterise as specifications, against real poppler in a real throw-away compartment: what
// comes out of hostile documents (made here, and the PDF.js corpus), and what is refused.
import { execFileSync } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runThrowaway } from '../compartment/throwaway.js';
import { CloisonError } from '../contract/errors.js';
import { hostilePdf, onPdf, plainPdf, renderPages } from '../testing/pdfs.js';
import {
  pagesTmpBytes,
  parsePreamble,
  pdfRasterise,
  refusePreamble,
  renderPdf,
} from './pdf-rasterise.js';
import { FrameReader, type Frame } from './pixels.js';
import { DEFAULT_DOCUMENT_LIMITS, type SanitiseProgress } from './sanitiser.js';

const documents = '/work/shared/cases/documents';
const limits = { maxBytes: 64 * 1024 * 1024, maxPixels: 1, documents: DEFAULT_DOCUMENT_LIMITS };

async function refusal(promise: Promise<unknown>): Promise<CloisonError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(CloisonError);
  return error as CloisonError;
}

/** Every dictionary key of every object of `pdf`, as qpdf reads them. */
function keysOf(pdf: Uint8Array): Set<string> {
  const json = JSON.parse(onPdf(pdf, 'qpdf', (f) => ['--json', '--json-key=qpdf', f])) as {
    qpdf: [unknown, Record<string, unknown>];
  };
  const keys = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (k.startsWith('/')) keys.add(k);
        walk(v);
      }
    }
  };
  walk(json.qpdf[1]);
  return keys;
}

/** Every string value of every object, as qpdf decodes them ("u:…" text strings). */
function stringsOf(pdf: Uint8Array): string {
  return onPdf(pdf, 'qpdf', (f) => ['--json', '--json-key=qpdf', f]);
}

const ALLOWED_KEYS = new Set([
  '/Type',
  '/Pages',
  '/Kids',
  '/Count',
  '/Parent',
  '/MediaBox',
  '/Resources',
  '/XObject',
  '/P',
  '/Contents',
  '/Subtype',
  '/Width',
  '/Height',
  '/ColorSpace',
  '/BitsPerComponent',
  '/Filter',
  '/Length',
  '/Root',
  '/Size',
]);

function frames(ppms: Buffer[]): Frame[] {
  const reader = new FrameReader('pdf-rasterise', { maxPixels: 1e8, maxFrames: 1e4 });
  return ppms.flatMap((ppm) => reader.push(ppm));
}

/** Mean absolute difference of two renders (0 same, 255 opposite), over their common area. */
function difference(a: Frame, b: Frame): number {
  const width = Math.min(a.width, b.width);
  const height = Math.min(a.height, b.height);
  let sum = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width * 3; x++) {
      sum += Math.abs(a.pixels[y * a.width * 3 + x]! - b.pixels[y * b.width * 3 + x]!);
    }
  }
  return sum / (width * height * 3);
}

describe('pdf-rasterise', () => {
  describe('a multi-page PDF with JavaScript, links, an attachment, fonts and metadata', () => {
    const input = hostilePdf(3);
    const progress: SanitiseProgress[] = [];
    let output: Uint8Array;
    beforeAll(async () => {
      output = await pdfRasterise.run(input, 'application/pdf', limits, {
        masked: [],
        onProgress: (p) => progress.push(p),
      });
    });

    it('really had them going in', () => {
      const keys = keysOf(input);
      for (const key of ['/JS', '/OpenAction', '/Annots', '/URI', '/EmbeddedFiles', '/Metadata'])
        expect(keys).toContain(key);
      expect(onPdf(input, 'pdfdetach', (f) => ['-list', f])).toMatch(/^1 embedded files/);
      expect(onPdf(input, 'pdfinfo', (f) => [f])).toMatch(/Title:\s+SECRET-TITLE/);
      expect(onPdf(input, 'pdffonts', (f) => [f])).toMatch(/Helvetica/);
      expect(onPdf(input, 'pdftotext', (f) => [f, '-'])).toMatch(/quarterly plan/);
    });

    it('comes out a valid PDF with the same number of pages', () => {
      expect(onPdf(output, 'qpdf', (f) => ['--check', f])).toMatch(
        /No syntax or stream encoding errors/,
      );
      expect(onPdf(output, 'pdfinfo', (f) => [f])).toMatch(/Pages:\s+3\n/);
    });

    it('looks like the original, page by page (and unlike the other pages)', () => {
      const before = frames(renderPages(input, 20));
      const after = frames(renderPages(output, 20));
      expect(after).toHaveLength(3);
      for (let i = 0; i < 3; i++) {
        expect(Math.abs(after[i]!.width - before[i]!.width)).toBeLessThanOrEqual(1);
        expect(difference(before[i]!, after[i]!)).toBeLessThan(6);
        // The comparison can fail: another page of the original differs by far more.
        expect(difference(before[(i + 1) % 3]!, after[i]!)).toBeGreaterThan(12);
      }
    });

    it('holds only pages of images: no script, action, link, attachment, font, text or metadata', () => {
      const keys = keysOf(output);
      expect([...keys].filter((k) => !ALLOWED_KEYS.has(k))).toEqual([]);
      expect(stringsOf(output)).not.toMatch(/SECRET|evil\.example|Helvetica/);
      expect(onPdf(output, 'pdfdetach', (f) => ['-list', f])).toMatch(/^0 embedded files/);
      expect(
        onPdf(output, 'pdffonts', (f) => [f])
          .trim()
          .split('\n'),
      ).toHaveLength(2);
      expect(onPdf(output, 'pdftotext', (f) => [f, '-']).trim()).toBe('');
      const info = onPdf(output, 'pdfinfo', (f) => [f]);
      expect(info).not.toMatch(/Title|Author|Producer|Creator/);
      expect(info).toMatch(/Metadata Stream:\s+no/);
      expect(
        onPdf(output, 'pdfimages', (f) => ['-list', f])
          .trim()
          .split('\n'),
      ).toHaveLength(5);
    });

    it('told its progress page by page', () => {
      expect(progress.map((p) => [p.done, p.total])).toEqual([
        [0, 3],
        [1, 3],
        [2, 3],
        [3, 3],
      ]);
      expect(progress.every((p) => p.sanitiser === 'pdf-rasterise')).toBe(true);
    });
  });

  describe('the PDF.js corpus', () => {
    it.each([
      ['tracemonkey.pdf', 14],
      ['autoprint.pdf', 1],
      ['js-buttons.pdf', 1],
      ['attachment.pdf', 1],
      ['alphatrans.pdf', 1],
      // Encrypted in its attachment only (the document opens without a password): rendered, and
      // the attachment is gone.
      ['encrypted-attachment.pdf', 1],
    ])('%s: %i pages of pixels, nothing else', async (name, pages) => {
      const input = new Uint8Array(await readFile(join(documents, name)));
      const output = await pdfRasterise.run(input, 'application/pdf', limits);
      expect(onPdf(output, 'pdfinfo', (f) => [f])).toMatch(new RegExp(`Pages:\\s+${pages}\\n`));
      expect([...keysOf(output)].filter((k) => !ALLOWED_KEYS.has(k))).toEqual([]);
      expect(onPdf(output, 'pdfdetach', (f) => ['-list', f])).toMatch(/^0 embedded files/);
    });

    it('the fuzzed file that once crashed a renderer: refused with a reason or rendered, never a hang', async () => {
      const input = new Uint8Array(await readFile(join(documents, 'poppler-937-0-fuzzed.pdf')));
      const started = Date.now();
      const result = await pdfRasterise.run(input, 'application/pdf', limits).then(
        (output) => ({ output }),
        (error: unknown) => ({ error }),
      );
      expect(Date.now() - started).toBeLessThan(30_000);
      if ('error' in result) {
        expect(result.error).toBeInstanceOf(CloisonError);
        expect((result.error as CloisonError).message.length).toBeGreaterThan(10);
      } else {
        expect([...keysOf(result.output)].filter((k) => !ALLOWED_KEYS.has(k))).toEqual([]);
      }
    });
  });

  describe('refuses, with the reason', () => {
    const encrypt = (pdf: Buffer, user: string) => {
      const dir = execFileSync('mktemp', ['-d'], { encoding: 'utf8' }).trim();
      try {
        execFileSync(
          'sh',
          [
            '-c',
            `cat > "$1/in.pdf" && qpdf --encrypt "$2" owner 256 -- "$1/in.pdf" "$1/out.pdf"`,
            'sh',
            dir,
            user,
          ],
          { input: pdf },
        );
        return execFileSync('cat', [join(dir, 'out.pdf')]);
      } finally {
        execFileSync('rm', ['-rf', dir]);
      }
    };

    it.each([
      ['an encrypted PDF (a user password)', () => encrypt(hostilePdf(2), 'secret')],
      ['an encrypted PDF that an empty password opens', () => encrypt(hostilePdf(2), '')],
    ])('%s', async (_what, make) => {
      const error = await refusal(
        pdfRasterise.run(new Uint8Array(make()), 'application/pdf', limits),
      );
      expect(error.code).toBe('BAD_CONTENT');
      expect(error.message).toMatch(
        /^The PDF is encrypted; pdf-rasterise refuses encrypted documents/,
      );
      expect(error.details).toMatchObject({ sanitiser: 'pdf-rasterise', encrypted: true });
    });

    it.each([
      [
        'a corrupt PDF (a header, then noise)',
        Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(4000, 0x5a)]),
      ],
      [
        'a PDF whose only object is cut off',
        Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R'),
      ],
    ])('%s', async (_what, input) => {
      const error = await refusal(
        pdfRasterise.run(new Uint8Array(input), 'application/pdf', limits),
      );
      expect(error.code).toBe('BAD_CONTENT');
      expect(error.message).toMatch(/^The PDF cannot be read: .*(Syntax Error|Couldn't)/);
    });

    it('a PDF of 10,000 tiny pages, before rendering any, without the broker growing', async () => {
      const input = new Uint8Array(plainPdf(10_000, 1, 1));
      const rss = process.memoryUsage().rss;
      const error = await refusal(pdfRasterise.run(input, 'application/pdf', limits));
      expect(error.code).toBe('TOO_LARGE');
      // Refused from the page count, before any page is rendered (no time bound here: speed is
      // the bench's, and a loaded machine is slow, not wrong).
      expect(error.message).toBe('The PDF has 10000 pages, over the limit of 1000 pages.');
      expect(error.details).toMatchObject({ pages: 10_000, limit: 'pages' });
      expect(process.memoryUsage().rss - rss).toBeLessThan(100 * 1024 * 1024);
    });

    it('the same 10,000 pages under a raised page limit, stopped by the time limit', async () => {
      const input = new Uint8Array(plainPdf(10_000, 1, 1));
      const documents = { ...DEFAULT_DOCUMENT_LIMITS, maxPages: 20_000, timeoutSeconds: 2 };
      const error = await refusal(
        pdfRasterise.run(input, 'application/pdf', { ...limits, documents }),
      );
      expect(error.code).toBe('TOO_LARGE');
      // Only the time limit says this: the conversion was stopped, not finished.
      expect(error.message).toBe(
        'Converting the PDF took longer than the limit of 2 s; it was stopped.',
      );
    });

    it('a page too large to render, before rendering it', async () => {
      const input = new Uint8Array(plainPdf(2, 14_400, 14_400));
      const error = await refusal(pdfRasterise.run(input, 'application/pdf', limits));
      expect(error.code).toBe('TOO_LARGE');
      expect(error.message).toBe(
        'Page 1 would be 30000×30000 pixels at 150 dpi (900000000), over the limit of 25000000 pixels.',
      );
    });

    it('a page that needs more memory than the compartment allows', async () => {
      // 8334×8334 pixels is under a raised pixel limit, but its bitmap is over 64 MiB.
      const input = new Uint8Array(plainPdf(1, 4000, 4000));
      const documents = {
        ...DEFAULT_DOCUMENT_LIMITS,
        maxPagePixels: 100_000_000,
        memoryBytes: 64 * 1024 * 1024,
      };
      const error = await refusal(
        pdfRasterise.run(input, 'application/pdf', { ...limits, documents }),
      );
      expect(error.code).toBe('TOO_LARGE');
      expect(error.message).toBe(
        'Converting the PDF needed more than the 64 MiB of memory allowed; it was stopped.',
      );
    });

    it('an output over the byte limit', async () => {
      const error = await refusal(
        pdfRasterise.run(hostilePdf(3), 'application/pdf', { ...limits, maxBytes: 50_000 }),
      );
      expect(error.code).toBe('TOO_LARGE');
      expect(error.message).toMatch(
        /^The output of pdf-rasterise is over the limit of 50000 bytes/,
      );
    });

    it('a type it does not take', async () => {
      const error = await refusal(pdfRasterise.run(hostilePdf(1), 'image/png', limits));
      expect(error.code).toBe('SANITISER_FAILED');
    });
  });
});

/** The descriptors of this process that hold a compartment's page folder. */
function pageFolderHandles(): string[] {
  return readdirSync('/proc/self/fd')
    .map((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return '';
      }
    })
    .filter((target) => target.endsWith('/tmp/pages'));
}

describe('pages through files in the compartment’s own /tmp', () => {
  // Letter pages at 300 dpi are 2550×3300 pixels, 25 MB each: the compartment's /tmp holds two.
  const documents = { ...DEFAULT_DOCUMENT_LIMITS, dpi: 300, maxPagePixels: 2550 * 3300 };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('holds the renderer back while the broker is slow, so its /tmp never overflows', async () => {
    let slow = 0;
    const pages = await renderPdf(
      'pdf-rasterise',
      plainPdf(6),
      documents,
      { masked: [] },
      {
        onPage: async (frame) => {
          expect(frame.width * frame.height).toBe(2550 * 3300);
          // Long enough for an unheld renderer to write every page (the control below).
          if (slow++ < 2) await sleep(1500);
        },
      },
    );
    expect(pages).toBe(6);
  });

  it('in a /tmp that really has room for two such pages, not three (the control)', async () => {
    const page = 2550 * 3300 * 3;
    const write = (n: number) =>
      runThrowaway({
        argv: [
          '/bin/sh',
          '-c',
          `for i in $(seq ${n}); do head -c ${page} /dev/zero > /tmp/$i || exit 1; done`,
        ],
        inputs: [],
        limits: {
          memoryBytes: 256 << 20,
          cpuSeconds: 30,
          wallSeconds: 30,
          tmpBytes: pagesTmpBytes(documents),
        },
        masked: [],
        onStdout: () => undefined,
      });
    expect((await write(2)).code).toBe(0);
    const three = await write(3);
    expect(three.code).not.toBe(0);
    expect(three.stderr).toMatch(/No space left on device/);
  });

  it('leaves no handle on the page folder once done (the compartment’s /tmp goes with it)', async () => {
    const during: string[][] = [];
    await pdfRasterise.run(hostilePdf(2), 'application/pdf', limits, {
      masked: [],
      onProgress: () => during.push(pageFolderHandles()),
    });
    expect(during.some((handles) => handles.length === 1)).toBe(true);
    expect(pageFolderHandles()).toEqual([]);
  });
});

describe("the renderer's preamble", () => {
  it.each([
    [['unreadable'], { kind: 'unreadable' }],
    [['encrypted yes'], { kind: 'encrypted' }],
    [
      ['pages 2', 'encrypted no', 'size 1 612 792', 'size 2 595.276 841.89', 'render'],
      {
        kind: 'document',
        pages: 2,
        sizes: new Map([
          [1, { widthPt: 612, heightPt: 792 }],
          [2, { widthPt: 595.276, heightPt: 841.89 }],
        ]),
      },
    ],
  ])('%j', (lines, preamble) => {
    expect(parsePreamble(lines)).toEqual(preamble);
  });

  it.each([[['pages 1', 'rm -rf /']], [['encrypted no', 'render']], [['pages -1']]])(
    'refuses what it does not expect: %j',
    (lines) => {
      expect(() => parsePreamble(lines)).toThrow();
    },
  );

  it.each([
    [{ kind: 'document', pages: 0, sizes: new Map() }, 'BAD_CONTENT', 'The PDF has no page.'],
    [
      { kind: 'document', pages: 1001, sizes: new Map() },
      'TOO_LARGE',
      'The PDF has 1001 pages, over the limit of 1000 pages.',
    ],
    [{ kind: 'document', pages: 1000, sizes: new Map() }, undefined, undefined],
    [{ kind: 'unreadable' }, undefined, undefined],
  ] as const)('decides %j', (preamble, code, message) => {
    const error = refusePreamble('pdf-rasterise', preamble, DEFAULT_DOCUMENT_LIMITS);
    expect(error?.code).toBe(code);
    expect(error?.message).toBe(message);
  });
});
