// Document sanitiser figures for `npm run bench`: seconds per page of pdf-rasterise on a 20-page
// text document (the PDF.js corpus' tracemonkey paper, pages repeated to 20 by qpdf) and a 20-page
// image-heavy one (a full-page photograph-like JPEG per page, written by the broker's own PDF
// writer), each beside baselines run on the same file, in the same process, interleaved:
//   bare:        pdftoppm alone at the same resolution, outside any compartment, writing its PPM
//                pages to files that nobody reads (the renderer's own cost: the baseline);
//   barePipe:    pdftoppm alone, outside any compartment, its pages streamed into this process and
//                read and checked by the same frame reader as the broker's: the baseline that does
//                the same work as the compartment run but for the compartment itself;
//   compartment: the rendering inside the throw-away compartment (set-up, pdfinfo's checks,
//                pdftoppm writing page files in the compartment's /tmp), each page read and
//                checked by the broker from outside, nothing encoded (pdf-rasterise's own code);
//   sanitiser:   the whole of pdf-rasterise (compartment, checks, JPEG encoding, the new PDF).
// And where the time goes, measured alone: the compartment's set-up and teardown (/bin/true in a
// throw-away compartment), pdfinfo's checks, the JPEG encoding and the PDF build of the 20 pages.
// Rounds interleave the variants, in an order rotated each round (a burst of load from another
// user of the machine lands on all of them alike); medians, and the load average before and after.
// Wall-clock time on a machine shared with others swings by tens of per cent from run to run, so
// each variant's CPU time is measured too, where a cgroup can be made: the CPU of this process and
// of every process it starts, compartments included, and nobody else's.
import { execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { compartmentAccount } from '../core/compartment/account.js';
import { runThrowaway, type ThrowawayJob } from '../core/compartment/throwaway.js';
import { PdfWriter } from '../core/sanitise/pdf-writer.js';
import { FrameReader, type Frame } from '../core/sanitise/pixels.js';
import {
  JPEG_OPTIONS,
  pagesTmpBytes,
  pdfRasterise,
  renderPdf,
} from '../core/sanitise/pdf-rasterise.js';
import { DEFAULT_DOCUMENT_LIMITS } from '../core/sanitise/sanitiser.js';

const PAGES = 20;
const ROUNDS = 7;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function seconds(fn: () => Promise<unknown> | unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function textDocument(dir: string): Promise<string> {
  const out = join(dir, 'text-20.pdf');
  const source = '/work/shared/cases/documents/tracemonkey.pdf';
  execFileSync('qpdf', ['--empty', '--pages', source, source, '1-6', '--', out]);
  return out;
}

async function imageDocument(dir: string): Promise<string> {
  const writer = new PdfWriter();
  for (let i = 0; i < PAGES; i++) {
    // A4 at 200 dpi: blurred noise, as costly to render and encode as a photograph.
    const [width, height] = [1654, 2339];
    const jpeg = await sharp({
      create: {
        width,
        height,
        channels: 3,
        background: '#808080',
        noise: { type: 'gaussian', mean: 110 + i, sigma: 70 },
      },
    })
      .blur(2)
      .jpeg({ quality: 90 })
      .toBuffer();
    writer.addPage({ jpeg, width, height, channels: 3, widthPt: 595.28, heightPt: 841.89 });
  }
  const out = join(dir, 'images-20.pdf');
  await writeFile(out, writer.finish());
  return out;
}

/**
 * CPU seconds used by this process and all it starts, through a cgroup v1 `cpuacct` group of its
 * own (root, cgroup v1): bubblewrap's processes are never reaped by this one, so rusage of children
 * cannot see them. Undefined where no such group can be made; `close` puts the process back.
 */
async function cpuMeter(): Promise<
  { read(): Promise<number>; close(): Promise<void> } | undefined
> {
  try {
    const line = (await readFile('/proc/self/cgroup', 'utf8'))
      .split('\n')
      .find((l) => /^\d+:([^:]*,)?cpuacct(,[^:]*)?:/.test(l));
    if (!line) return undefined;
    const root = `/sys/fs/cgroup/cpuacct${line.slice(line.lastIndexOf(':') + 1)}`.replace(
      /\/$/,
      '',
    );
    const own = `${root}/cloison-bench-${process.pid}`;
    await mkdir(own);
    await writeFile(`${own}/cgroup.procs`, String(process.pid));
    return {
      read: async () => Number(await readFile(`${own}/cpuacct.usage`, 'utf8')) / 1e9,
      close: async () => {
        await writeFile(`${root}/cgroup.procs`, String(process.pid));
        await rmdir(own);
      },
    };
  } catch {
    return undefined;
  }
}

const limits = { ...DEFAULT_DOCUMENT_LIMITS };
const newReader = () =>
  new FrameReader('pdf-rasterise', { maxPixels: limits.maxPagePixels, maxFrames: PAGES }, 'page');

/** pdftoppm outside any compartment, its pages read and checked here, as the broker reads them. */
async function barePipe(file: string): Promise<Frame[]> {
  const reader = newReader();
  const frames: Frame[] = [];
  const child = spawn('pdftoppm', ['-r', String(limits.dpi), file], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  for await (const chunk of child.stdout) frames.push(...reader.push(chunk as Buffer));
  reader.end();
  if ((await exited) !== 0 || frames.length !== PAGES)
    throw new Error(`bare pdftoppm failed: ${frames.length} pages`);
  return frames;
}

export async function benchSanitisers(): Promise<Record<string, Record<string, number | string>>> {
  const dir = await mkdtemp(join(tmpdir(), 'cloison-bench-sanitise-'));
  const account = await compartmentAccount('nobody');
  const throwaway = (
    argv: string[],
    inputs: ThrowawayJob['inputs'],
    onStdout: ThrowawayJob['onStdout'],
  ) =>
    runThrowaway({
      argv,
      inputs,
      limits: {
        memoryBytes: limits.memoryBytes,
        cpuSeconds: limits.timeoutSeconds,
        wallSeconds: limits.timeoutSeconds,
        tmpBytes: pagesTmpBytes(limits),
      },
      ...(account ? { account } : {}),
      masked: [],
      onStdout,
    });
  const context = { masked: [], ...(account ? { account } : {}) };
  const results: Record<string, Record<string, number | string>> = {};
  const meter = await cpuMeter();
  try {
    const documents = {
      text20Pages: await textDocument(dir),
      images20Pages: await imageDocument(dir),
    };
    for (const [name, file] of Object.entries(documents)) {
      const bytes = new Uint8Array(await readFile(file));
      const loadBefore = load();
      let outputBytes = 0;
      let frames: Frame[] = [];
      const variants: Record<string, () => Promise<unknown>> = {
        bare: async () => {
          const out = join(dir, 'bare');
          execFileSync('pdftoppm', ['-r', String(limits.dpi), file, out]);
          // Outside the timing would be fairer still, but the files must go before the next run.
          execFileSync('sh', ['-c', `rm -f ${out}*`]);
        },
        barePipe: async () => {
          frames = await barePipe(file);
        },
        compartment: async () => {
          const pages = await renderPdf('pdf-rasterise', bytes, limits, context, {
            onPage: () => undefined,
          });
          if (pages !== PAGES) throw new Error(`compartment run failed: ${pages} pages`);
        },
        sanitiser: async () => {
          const output = await pdfRasterise.run(
            bytes,
            'application/pdf',
            { maxBytes: 256 * 1024 * 1024, maxPixels: 1, documents: limits },
            context,
          );
          outputBytes = output.length;
        },
        // Where the time goes, each part alone.
        setup: async () => {
          const result = await throwaway(['/bin/true'], [], () => undefined);
          if (result.code !== 0) throw new Error(`an empty compartment failed: ${result.code}`);
        },
        checks: async () => {
          execFileSync('pdfinfo', ['-f', '1', '-l', String(limits.maxPages), file]);
        },
      };
      const times: Record<string, number[]> = {};
      const cpu: Record<string, number[]> = {};
      const names = Object.keys(variants);
      for (let round = 0; round < ROUNDS; round++) {
        for (let i = 0; i < names.length; i++) {
          const variant = names[(i + round) % names.length]!;
          const before = await meter?.read();
          (times[variant] ??= []).push(await seconds(variants[variant]!));
          if (meter) (cpu[variant] ??= []).push((await meter.read()) - before!);
        }
      }
      // Encoding and building on the pages barePipe kept, interleaved the same way.
      const encode = [];
      const build = [];
      for (let round = 0; round < ROUNDS; round++) {
        const jpegs: Buffer[] = [];
        encode.push(
          await seconds(async () => {
            for (const f of frames) {
              const raw = { width: f.width, height: f.height, channels: f.channels };
              jpegs.push(await sharp(f.pixels, { raw }).jpeg(JPEG_OPTIONS).toBuffer());
            }
          }),
        );
        build.push(
          await seconds(() => {
            const writer = new PdfWriter();
            for (const [i, f] of frames.entries()) {
              const size = {
                widthPt: (f.width * 72) / limits.dpi,
                heightPt: (f.height * 72) / limits.dpi,
              };
              writer.addPage({
                jpeg: jpegs[i]!,
                width: f.width,
                height: f.height,
                channels: 3,
                ...size,
              });
            }
            writer.finish();
          }),
        );
      }
      const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
      const [enc, pdf] = [median(encode), median(build)];
      const perPage = (s: number) => +(s / PAGES).toFixed(4);
      const percent = (a: number, b: number) => +(((a - b) / b) * 100).toFixed(1);
      results[`pdfRasterise_${name}`] = {
        dpi: limits.dpi,
        rounds: ROUNDS,
        inputMiB: +(bytes.length / 1048576).toFixed(2),
        outputMiB: +(outputBytes / 1048576).toFixed(2),
        loadAverageBefore: loadBefore,
        loadAverageAfter: load(),
        bareRendererSecondsPerPage: perPage(m.bare!),
        barePipeSecondsPerPage: perPage(m.barePipe!),
        compartmentSecondsPerPage: perPage(m.compartment!),
        sanitiserSecondsPerPage: perPage(m.sanitiser!),
        compartmentOverBarePercent: percent(m.compartment!, m.bare!),
        compartmentOverBarePipePercent: percent(m.compartment!, m.barePipe!),
        sanitiserOverBarePercent: percent(m.sanitiser!, m.bare!),
        setupAndTeardownSeconds: +m.setup!.toFixed(4),
        checksSeconds: +m.checks!.toFixed(4),
        jpegEncodeSecondsPerPage: perPage(enc),
        pdfBuildSecondsPerPage: perPage(pdf),
        ...cpuFigures(cpu),
        // How much of the encoding the rendering hid: 100 % when the sanitiser took no longer than
        // the compartment run, 0 % when it took the whole encoding and build on top.
        encodingHiddenPercent: +(
          Math.max(0, Math.min(1, 1 - (m.sanitiser! - m.compartment!) / (enc + pdf))) * 100
        ).toFixed(0),
      };
    }
  } finally {
    await meter?.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
  return results;
}

/** The CPU figures, beside the wall-clock ones: the same comparisons, in CPU seconds. */
function cpuFigures(cpu: Record<string, number[]>): Record<string, number | string> {
  if (!cpu.bare) return { cpu: 'not measured (no cgroup v1 cpuacct group could be made)' };
  const m = Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, median(v)]));
  const perPage = (s: number) => +(s / PAGES).toFixed(4);
  const percent = (a: number, b: number) => +(((a - b) / b) * 100).toFixed(1);
  return {
    bareCpuSecondsPerPage: perPage(m.bare!),
    barePipeCpuSecondsPerPage: perPage(m.barePipe!),
    compartmentCpuSecondsPerPage: perPage(m.compartment!),
    sanitiserCpuSecondsPerPage: perPage(m.sanitiser!),
    compartmentCpuOverBarePercent: percent(m.compartment!, m.bare!),
    compartmentCpuOverBarePipePercent: percent(m.compartment!, m.barePipe!),
    sanitiserCpuOverBarePercent: percent(m.sanitiser!, m.bare!),
    setupAndTeardownCpuSeconds: +m.setup!.toFixed(4),
    checksCpuSeconds: +m.checks!.toFixed(4),
  };
}
