// office-to-pdf as specifications, against real LibreOffice and poppler in real throw-away
// compartments: office documents made by the test become PDFs of pixels, nothing else of theirs.
import { beforeAll, describe, expect, it } from 'vitest';
import { CloisonError } from '../contract/errors.js';
import { detectType } from '../inspect/detect.js';
import { convertedByLibreOffice, docx, odp, ods, odt, xlsx } from '../testing/office.js';
import { onPdf, renderPages } from '../testing/pdfs.js';
import { officeToPdf } from './office-to-pdf.js';
import { FrameReader } from './pixels.js';
import { DEFAULT_DOCUMENT_LIMITS, type SanitiseProgress } from './sanitiser.js';

const limits = { maxBytes: 64 * 1024 * 1024, maxPixels: 1, documents: DEFAULT_DOCUMENT_LIMITS };

/** The darkest value of a page rendered at 72 dpi (a spreadsheet's 10-point text is grey at less): 255 is a blank page. */
function darkest(pdf: Uint8Array, page: number): number {
  const reader = new FrameReader('office-to-pdf', { maxPixels: 1e8, maxFrames: 100 });
  const frame = reader.push(renderPages(pdf, 72)[page]!)[0]!;
  return frame.pixels.reduce((min, v) => Math.min(min, v), 255);
}

describe.each([
  ['a .docx', docx, 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 2],
  ['an .odt', odt, 'application/vnd.oasis.opendocument.text', 1],
  // Spreadsheets: a page per sheet. Presentations: a page per slide.
  ['an .ods', ods, 'application/vnd.oasis.opendocument.spreadsheet', 2],
  ['an .xlsx', xlsx, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 2],
  ['an .xls', () => convertedByLibreOffice(ods(), 'ods', 'xls'), 'application/x-cfb', 2],
  ['an .odp', odp, 'application/vnd.oasis.opendocument.presentation', 3],
  [
    'a .pptx',
    () => convertedByLibreOffice(odp(), 'odp', 'pptx'),
    'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    3,
  ],
  ['a .ppt', () => convertedByLibreOffice(odp(), 'odp', 'ppt'), 'application/x-cfb', 3],
])('office-to-pdf on %s', (_what, make, type, pages) => {
  let input: Uint8Array;
  const progress: SanitiseProgress[] = [];
  let output: Uint8Array;

  beforeAll(async () => {
    input = new Uint8Array(make());
    output = await officeToPdf.run(input, type, limits, {
      masked: [],
      onProgress: (p) => progress.push(p),
    });
  }, 120_000);

  it('is detected as what it is, from its bytes', async () => {
    expect((await detectType(input)).type).toBe(type);
  });

  it(`becomes a PDF of ${pages} page(s)`, () => {
    expect(onPdf(output, 'qpdf', (f) => ['--check', f])).toMatch(
      /No syntax or stream encoding errors/,
    );
    expect(onPdf(output, 'pdfinfo', (f) => [f])).toMatch(new RegExp(`Pages:\\s+${pages}\\n`));
    expect(progress.at(-1)).toEqual({ sanitiser: 'office-to-pdf', done: pages, total: pages });
  });

  it('shows what the document showed: the text drawn, as pixels', () => {
    expect(darkest(output, 0)).toBeLessThan(100);
  });

  it('keeps no text, font or metadata of the document', () => {
    expect(onPdf(output, 'pdftotext', (f) => [f, '-']).trim()).toBe('');
    expect(
      onPdf(output, 'pdffonts', (f) => [f])
        .trim()
        .split('\n'),
    ).toHaveLength(2);
    const everything = onPdf(output, 'qpdf', (f) => ['--json', f]);
    expect(everything).not.toMatch(/SECRET|LibreOffice|Writer|Calc|Impress/);
  });
});

describe('office-to-pdf refuses', () => {
  it('a type it does not take', async () => {
    const error = await officeToPdf
      .run(new Uint8Array(odt()), 'application/pdf', limits)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloisonError);
    expect((error as CloisonError).code).toBe('SANITISER_FAILED');
  });

  it('a document LibreOffice cannot read, with the reason', async () => {
    // An .odt's container with nothing a reader can use.
    const broken = Buffer.from(odt());
    broken.fill(0x41, 200);
    const error = await officeToPdf
      .run(new Uint8Array(broken), 'application/vnd.oasis.opendocument.text', limits)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloisonError);
    expect((error as CloisonError).code).toBe('BAD_CONTENT');
    expect((error as CloisonError).message).toMatch(
      /^LibreOffice cannot read the document: .*source file could not be loaded/,
    );
    expect((error as CloisonError).message).not.toMatch(/javaldx/);
  }, 120_000);

  it('a document over maxPages in LibreOffice’s own compartment, before any page is rendered', async () => {
    // A presentation of 3 slides under a limit of 2: LibreOffice exports at most 3 pages, the
    // script counts them, and the PDF never reaches pdf-rasterise (no page progress at all).
    const progress: SanitiseProgress[] = [];
    const error = await officeToPdf
      .run(
        new Uint8Array(odp()),
        'application/vnd.oasis.opendocument.presentation',
        { ...limits, documents: { ...DEFAULT_DOCUMENT_LIMITS, maxPages: 2 } },
        { masked: [], onProgress: (p) => progress.push(p) },
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloisonError);
    expect((error as CloisonError).code).toBe('TOO_LARGE');
    expect((error as CloisonError).message).toBe(
      'The document has more than 2 pages, over the limit of 2 pages.',
    );
    expect((error as CloisonError).details).toMatchObject({ limit: 'pages', maxPages: 2 });
    expect(progress).toEqual([]);
  }, 120_000);

  it('nothing at the limit itself: 3 slides under maxPages 3 become 3 pages', async () => {
    const output = await officeToPdf.run(
      new Uint8Array(odp()),
      'application/vnd.oasis.opendocument.presentation',
      { ...limits, documents: { ...DEFAULT_DOCUMENT_LIMITS, maxPages: 3 } },
      { masked: [] },
    );
    expect(onPdf(output, 'pdfinfo', (f) => [f])).toMatch(/Pages:\s+3\n/);
  }, 120_000);
});
