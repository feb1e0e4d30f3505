// The pdf-rasterise sanitiser: an untrusted PDF becomes pixels, and the pixels a new PDF. Every page
// is rendered by poppler (pdftoppm) inside a throw-away compartment (no network, no home, private
// /tmp in memory, limits on memory, time and pages); the broker checks what comes out (a page
// count announced before rendering, then each page's dimensions) and builds the new PDF itself, out
// of the compartment, from JPEGs it encodes from the raw pixels. Scripts, forms, links,
// attachments, fonts, text and metadata of the original cannot cross: none of them is pixels.
//
// Choices: encrypted PDFs are refused, even those an empty password opens (what an encryption
// restricts is not the broker's to lift); a PDF poppler cannot open is refused with poppler's words;
// a page count over `maxPages` is refused before any page is rendered, a page over `maxPagePixels`
// before it is rendered when its size says so, and again by its pixels; pages are encoded as JPEG
// at quality 85 (pages of text stay legible at 150 dpi, and photographs stay small), with libjpeg's
// standard Huffman tables: optimised ones take a second pass over every page, twice the encoding
// time, for a file about 5 % smaller (measured by `npm run bench`).
import { readFile, type FileHandle } from 'node:fs/promises';
import sharp from 'sharp';
import { assetFile } from '../assets/assets.js';
import {
  compartmentUnavailable,
  rendererWords,
  startThrowaway,
  type ThrowawayResult,
  type ThrowawayRun,
} from '../compartment/throwaway.js';
import type { CloisonError } from '../contract/errors.js';
import type { SanitiserName } from './catalogue.js';
import { PdfWriter } from './pdf-writer.js';
import { toolVersion } from './versions.js';
import { pageFileName, PageFolder, parsePageDone } from './page-files.js';
import { FrameReader, MAX_HEADER, type Frame } from './pixels.js';
import {
  checkAccepted,
  checkBytes,
  DEFAULT_DOCUMENT_LIMITS,
  sanitiserError,
  type DocumentLimits,
  type SanitiseContext,
  type SanitiseLimits,
  type Sanitiser,
} from './sanitiser.js';

sharp.cache(false);

export const JPEG_QUALITY = 85;
/** How pdf-rasterise encodes a page (see above); the bench encodes with the same. */
export const JPEG_OPTIONS = { quality: JPEG_QUALITY, optimiseCoding: false } as const;
const ENCODING_AHEAD = 2;

let script: Promise<Buffer> | undefined;
const renderScript = () => (script ??= readFile(assetFile('pdf-render.sh')));

/** What the renderer says about the document before it renders it (see assets/pdf-render.sh). */
export type Preamble =
  | { kind: 'unreadable' }
  | { kind: 'encrypted' }
  | { kind: 'document'; pages: number; sizes: Map<number, { widthPt: number; heightPt: number }> };

/** Parses the preamble's lines; throws on a line it does not expect (a renderer gone wrong). */
export function parsePreamble(lines: readonly string[]): Preamble {
  if (lines[0] === 'unreadable') return { kind: 'unreadable' };
  let pages: number | undefined;
  const sizes = new Map<number, { widthPt: number; heightPt: number }>();
  for (const line of lines) {
    let m: RegExpExecArray | null;
    if ((m = /^pages (\d{1,9})$/.exec(line))) pages = Number(m[1]);
    else if ((m = /^encrypted ([a-z]+)$/.exec(line))) {
      if (m[1] !== 'no') return { kind: 'encrypted' };
    } else if ((m = /^size (\d{1,9}) (\d{1,7}(?:\.\d{1,6})?) (\d{1,7}(?:\.\d{1,6})?)$/.exec(line)))
      sizes.set(Number(m[1]), { widthPt: Number(m[2]), heightPt: Number(m[3]) });
    else if (line !== 'render') throw new Error(`unexpected line from the renderer: ${line}`);
  }
  if (pages === undefined) throw new Error('the renderer did not say how many pages there are');
  return { kind: 'document', pages, sizes };
}

/** A page's size in pixels at `dpi`, as pdftoppm rounds it. */
export function pixelsAt(pt: number, dpi: number): number {
  return Math.ceil((pt * dpi) / 72);
}

/**
 * The refusal a preamble calls for, or undefined: encrypted, no page, too many pages, a page too
 * large. Pure: the decisions on what the renderer announced, before it renders.
 */
export function refusePreamble(
  name: SanitiserName,
  preamble: Preamble,
  limits: DocumentLimits,
): CloisonError | undefined {
  if (preamble.kind === 'encrypted') {
    return sanitiserError(
      name,
      'BAD_CONTENT',
      `The PDF is encrypted; ${name} refuses encrypted documents (save a copy without encryption in the source level first).`,
      { encrypted: true },
    );
  }
  if (preamble.kind !== 'document') return undefined;
  if (preamble.pages < 1) {
    return sanitiserError(name, 'BAD_CONTENT', 'The PDF has no page.', { pages: 0 });
  }
  if (preamble.pages > limits.maxPages) {
    return sanitiserError(
      name,
      'TOO_LARGE',
      `The PDF has ${preamble.pages} pages, over the limit of ${limits.maxPages} pages.`,
      { pages: preamble.pages, maxPages: limits.maxPages, limit: 'pages' },
    );
  }
  for (const [page, size] of preamble.sizes) {
    const width = pixelsAt(size.widthPt, limits.dpi);
    const height = pixelsAt(size.heightPt, limits.dpi);
    if (width * height > limits.maxPagePixels) {
      return sanitiserError(
        name,
        'TOO_LARGE',
        `Page ${page} would be ${width}×${height} pixels at ${limits.dpi} dpi (${width * height}), over the limit of ${limits.maxPagePixels} pixels.`,
        { page, width, height, maxPagePixels: limits.maxPagePixels, limit: 'pixels' },
      );
    }
  }
  return undefined;
}

/** How the renderers (poppler, libvips, LibreOffice, V8) say an allocation failed. */
export const OUT_OF_MEMORY = /out of memory|bad_alloc|cannot allocate|failed to allocate/i;

const SIGXCPU = 24;
const SIGKILL = 9;
const SIGABRT = 6;
const SIGSEGV = 11;

/**
 * Why a compartment's renderer failed, from its exit and its words: a limit it hit (TOO_LARGE,
 * with the limit named) or the document itself (BAD_CONTENT). Pure.
 */
export function rendererFailure(
  name: SanitiserName,
  what: string,
  result: Pick<ThrowawayResult, 'code' | 'stderr' | 'timedOut'>,
  limits: DocumentLimits,
): CloisonError {
  const words = rendererWords(result.stderr);
  if (result.timedOut || result.code === 128 + SIGXCPU) {
    return sanitiserError(
      name,
      'TOO_LARGE',
      `Converting the ${what} took longer than the limit of ${limits.timeoutSeconds} s; it was stopped.`,
      { limit: 'time', timeoutSeconds: limits.timeoutSeconds },
    );
  }
  if (OUT_OF_MEMORY.test(result.stderr)) {
    return sanitiserError(
      name,
      'TOO_LARGE',
      `Converting the ${what} needed more than the ${mib(limits.memoryBytes)} of memory allowed; it was stopped.`,
      { limit: 'memory', memoryBytes: limits.memoryBytes },
    );
  }
  const how =
    result.code === 128 + SIGABRT || result.code === 128 + SIGSEGV || result.code === 128 + SIGKILL
      ? `crashed (signal ${result.code - 128})`
      : `failed (exit status ${result.code})`;
  return sanitiserError(
    name,
    'BAD_CONTENT',
    `The renderer ${how} on the ${what}${words ? `: ${words}` : ''}.`,
    { exitCode: result.code },
  );
}

function mib(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))} MiB`;
}

/** Where the renderer writes its pages, in the compartment's own bounded /tmp. */
const PAGES_FOLDER = '/tmp/pages';
const WORDS_KEPT = 8192;
const LONGEST_LINE = 4096;

/** What `renderPdf` hands its consumer. */
export interface PageSink {
  /** The page count, checked, before any page. */
  onCount?(pages: number): void;
  /**
   * Each page, in order, once checked. The renderer goes on with one more page meanwhile, then
   * waits (see assets/pdf-render.sh): a slow consumer holds it back.
   */
  onPage(frame: Frame): Promise<void> | void;
}

/**
 * Renders every page of an untrusted PDF in a throw-away compartment (assets/pdf-render.sh) and
 * hands each, checked, to `sink`; returns the page count. The script first makes its page folder
 * and waits: the broker opens that folder from outside before anything reads the document. Then
 * the preamble on stdout (the checks), then pdftoppm writes the pages as files and says each one
 * done; the broker reads each (`PageFolder`), in order, and removes it.
 */
export async function renderPdf(
  name: SanitiserName,
  input: Uint8Array,
  doc: DocumentLimits,
  context: SanitiseContext,
  sink: PageSink,
): Promise<number> {
  let state = 'ready' as 'ready' | 'preamble' | 'rendering';
  let line = '';
  const preambleLines: string[] = [];
  let preambleBytes = 0;
  const maxPreamble = 4096 + 64 * doc.maxPages;
  let words = '';
  let folder: FileHandle | undefined;
  let pageFolder: PageFolder | undefined;
  let reader: FrameReader | undefined;
  let pages = 0;
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));

  const wentWrong = (what: string) =>
    sanitiserError(name, 'BAD_CONTENT', `The renderer went wrong: ${what}.`);
  const outOfMemory = () =>
    rendererFailure(name, 'PDF', { code: 0, stderr: words, timedOut: false }, doc);

  const onLine = async (text: string) => {
    if (state === 'ready') {
      if (text !== 'ready') throw wentWrong(`it did not start as expected`);
      // The script waits for "go": only bubblewrap and the script have run, nothing has read the
      // document, so the folder is the one the script made.
      folder = await run.openFolder(PAGES_FOLDER).catch((error: unknown) => {
        throw compartmentUnavailable(name, error);
      });
      run.tell('go');
      state = 'preamble';
      return;
    }
    if (state === 'preamble') {
      preambleBytes += text.length + 1;
      if (preambleBytes > maxPreamble)
        throw sanitiserError(name, 'BAD_CONTENT', 'The renderer said too much before rendering.');
      if (text !== 'render') {
        preambleLines.push(text);
        // Refuse as early as the renderer has told enough (encrypted, too many pages); the size
        // lines, up to one per page, wait for the whole preamble.
        if (text.startsWith('size ')) return;
        const early = tryPreamble(preambleLines);
        const refusal = early && refusePreamble(name, early, doc);
        if (refusal) throw refusal;
        return;
      }
      const preamble = parseOrFail(name, [...preambleLines, text]);
      const refusal = refusePreamble(name, preamble, doc);
      if (refusal) throw refusal;
      if (preamble.kind !== 'document') throw wentWrong('it rendered a document it cannot read');
      pages = preamble.pages;
      // No more pages than announced, none larger than the limit: checked before each is taken.
      reader = new FrameReader(name, { maxPixels: doc.maxPagePixels, maxFrames: pages }, 'page');
      pageFolder = new PageFolder(name, folder!, reader, doc.maxPagePixels);
      state = 'rendering';
      sink.onCount?.(pages);
      return;
    }
    if (text.startsWith('said ')) {
      // pdftoppm's own words (the script passes its stderr on): kept for the reasons.
      words = (words + text.slice(5) + '\n').slice(-WORDS_KEPT);
      return;
    }
    if (!text.startsWith('page ')) throw wentWrong('it said something it should not have');
    // The script stopped the renderer on this line: it renders the next page while this one is
    // read, and stops again after it.
    run.tell('go');
    const done = parsePageDone(text.slice(5), `${PAGES_FOLDER}/p`);
    if (!done) throw wentWrong('it said a page was done in words it should not have');
    const page = reader!.count + 1;
    if (done.page !== page || done.last !== pages || done.file !== pageFileName(page, pages)) {
      if (done.page > pages) {
        throw sanitiserError(
          name,
          'TOO_LARGE',
          `The renderer sent more than the ${pages} pages expected.`,
        );
      }
      throw wentWrong(
        `it said page ${done.page} of ${done.last} was done when page ${page} was due`,
      );
    }
    let frame: Frame;
    try {
      frame = await pageFolder!.take(done.file);
    } catch (error) {
      // poppler says "Out of memory" and writes an empty page: the memory limit, not the page.
      if (OUT_OF_MEMORY.test(words)) throw outOfMemory();
      throw error;
    }
    await sink.onPage(frame);
  };

  const onStdout = async (chunk: Buffer) => {
    await running;
    const lines = (line + chunk.toString('latin1')).split('\n');
    line = lines.pop()!;
    for (const text of lines) await onLine(text);
    if (line.length > LONGEST_LINE) {
      if (state !== 'rendering')
        throw sanitiserError(name, 'BAD_CONTENT', 'The renderer said too much before rendering.');
      words = (words + line.slice(-LONGEST_LINE)).slice(-WORDS_KEPT);
      line = '';
    }
  };

  const run: ThrowawayRun = await startThrowaway({
    argv: ['/bin/sh', '/in/pdf-render.sh', String(doc.dpi), String(doc.maxPages)],
    inputs: [
      { dest: '/in/pdf-render.sh', data: await renderScript() },
      { dest: '/in/document.pdf', data: input },
    ],
    limits: {
      memoryBytes: doc.memoryBytes,
      cpuSeconds: doc.timeoutSeconds,
      wallSeconds: doc.timeoutSeconds,
      tmpBytes: pagesTmpBytes(doc),
      // The pages go to /tmp; /run and /dev/shm keep the size they had, not room for two pages.
      runBytes: 16 * 1024 * 1024,
    },
    ...(context.account ? { account: context.account } : {}),
    masked: context.masked,
    ...(context.maskedFiles ? { maskedFiles: context.maskedFiles } : {}),
    ...(context.signal ? { signal: context.signal } : {}),
    onStdout,
    control: true,
  });
  started();
  let result: ThrowawayResult;
  try {
    result = await run.done;
    if (result.stopped !== undefined) throw result.stopped;
    if (state !== 'rendering') {
      if (line) preambleLines.push(line);
      const last = tryPreamble(preambleLines);
      const refusal = last && refusePreamble(name, last, doc);
      if (refusal) throw refusal;
      if (result.timedOut || result.code !== 0) throw rendererFailure(name, 'PDF', result, doc);
      const said = rendererWords(result.stderr);
      throw sanitiserError(
        name,
        'BAD_CONTENT',
        `The PDF cannot be read${said ? `: ${said}` : ''}.`,
      );
    }
    const all = { ...result, stderr: `${result.stderr}\n${words}${line}` };
    // poppler says "Out of memory" and skips the page, yet exits 0: its words count as a failure.
    if (result.timedOut || result.code !== 0 || OUT_OF_MEMORY.test(all.stderr))
      throw rendererFailure(name, 'PDF', all, doc);
    if (reader!.count !== pages) {
      throw sanitiserError(
        name,
        'BAD_CONTENT',
        `The renderer gave ${reader!.count} of the ${pages} pages of the PDF.`,
        { pages, rendered: reader!.count },
      );
    }
    const left = await pageFolder!.leftovers();
    if (left.length > 0) {
      throw sanitiserError(
        name,
        'BAD_CONTENT',
        `The renderer left ${left.length} file${left.length === 1 ? '' : 's'} in its page folder besides the ${pages} pages (${left.slice(0, 3).join(', ')}).`,
        { leftovers: left.length },
      );
    }
    return pages;
  } finally {
    // The compartment's /tmp goes with the last handle on it.
    await folder?.close().catch(() => undefined);
  }
}

/**
 * The size of the compartment's /tmp (and /run, /dev/shm): two pages of the largest size allowed
 * (one done and not yet taken, the next being written: the renderer waits for the broker beyond)
 * and the script's small reports.
 */
export function pagesTmpBytes(doc: DocumentLimits): number {
  return 2 * (MAX_HEADER + 3 * doc.maxPagePixels) + 16 * 1024 * 1024;
}

/** The rendering half of pdf-rasterise, shared with office-to-pdf (which names itself in errors). */
export async function rasterisePdf(
  name: SanitiserName,
  input: Uint8Array,
  limits: SanitiseLimits,
  context: SanitiseContext = { masked: [] },
): Promise<Uint8Array> {
  const doc = limits.documents ?? DEFAULT_DOCUMENT_LIMITS;
  const writer = new PdfWriter();
  let pages = 0;
  let added = 0;

  // Pages are encoded while the next one renders: at most ENCODING_AHEAD raw pages are held, and
  // they are added to the PDF in their order.
  const encoding: { frame: Frame; jpeg: Promise<Buffer> }[] = [];
  const addPage = async () => {
    const { frame, jpeg } = encoding.shift()!;
    writer.addPage({
      jpeg: await jpeg,
      width: frame.width,
      height: frame.height,
      channels: 3,
      widthPt: (frame.width * 72) / doc.dpi,
      heightPt: (frame.height * 72) / doc.dpi,
    });
    added++;
    if (writer.bytes > limits.maxBytes) {
      throw sanitiserError(
        name,
        'TOO_LARGE',
        `The output of ${name} is over the limit of ${limits.maxBytes} bytes (at page ${added} of ${pages}).`,
        { maxBytes: limits.maxBytes },
      );
    }
    context.onProgress?.({ sanitiser: name, done: added, total: pages });
  };

  await renderPdf(name, input, doc, context, {
    onCount: (count) => {
      pages = count;
      context.onProgress?.({ sanitiser: name, done: 0, total: pages });
    },
    onPage: async (frame) => {
      const jpeg = sharp(frame.pixels, {
        raw: { width: frame.width, height: frame.height, channels: frame.channels },
      })
        .jpeg(JPEG_OPTIONS)
        .toBuffer();
      // Awaited in order by addPage; a run stopped first must not leave it unhandled.
      jpeg.catch(() => undefined);
      encoding.push({ frame, jpeg });
      while (encoding.length > ENCODING_AHEAD) await addPage();
    },
  });
  while (encoding.length > 0) await addPage();
  const output = writer.finish();
  checkBytes(name, 'output', output, limits);
  return output;
}

function tryPreamble(lines: readonly string[]): Preamble | undefined {
  try {
    return parsePreamble(lines);
  } catch {
    return undefined;
  }
}

function parseOrFail(name: SanitiserName, lines: readonly string[]): Preamble {
  try {
    return parsePreamble(lines);
  } catch (error) {
    throw sanitiserError(
      name,
      'BAD_CONTENT',
      `The renderer went wrong: ${(error as Error).message}.`,
    );
  }
}

export const pdfRasterise: Sanitiser = {
  name: 'pdf-rasterise',
  version: `1 (${toolVersion('poppler')})`,
  accepts: ['application/pdf'],
  output: () => 'application/pdf',
  async run(input, type, limits, context) {
    checkAccepted(pdfRasterise, type);
    checkBytes('pdf-rasterise', 'input', input, limits);
    return rasterisePdf('pdf-rasterise', input, limits, context);
  },
};
