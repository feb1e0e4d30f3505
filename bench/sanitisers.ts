// Document sanitiser figures for `npm run bench`: seconds per page of pdf-rasterise on a 20-page
// text document (the PDF.js corpus' tracemonkey paper, pages repeated to 20 by qpdf) and a 20-page
// image-heavy one (a full-page photograph-like JPEG per page, written by the broker's own PDF
// writer), each beside, in the same run:
//   bare:        pdftoppm alone on the same file at the same resolution, outside any compartment,
//                writing its PPM pages to a folder (the renderer's own cost: the baseline);
//   compartment: the same rendering inside the throw-away compartment, pages streamed out and
//                checked by the broker, nothing encoded (what the compartment costs);
//   sanitiser:   the whole of pdf-rasterise (compartment, checks, JPEG encoding, the new PDF).
// 5 runs each, interleaved; the median, and the best run (the least disturbed on a shared machine).
// The target: compartment overhead under 10 % of bare; under 0.5 s per page.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { assetFile } from '../core/assets/assets.js';
import { compartmentAccount } from '../core/compartment/account.js';
import { runThrowaway } from '../core/compartment/throwaway.js';
import { PdfWriter } from '../core/sanitise/pdf-writer.js';
import { FrameReader } from '../core/sanitise/pixels.js';
import { pdfRasterise } from '../core/sanitise/pdf-rasterise.js';
import { DEFAULT_DOCUMENT_LIMITS } from '../core/sanitise/sanitiser.js';

const PAGES = 20;
const RUNS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function seconds(fn: () => Promise<unknown> | unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

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

export async function benchSanitisers(): Promise<Record<string, Record<string, number | string>>> {
  const dir = await mkdtemp(join(tmpdir(), 'cloison-bench-sanitise-'));
  const account = await compartmentAccount('nobody');
  const limits = { ...DEFAULT_DOCUMENT_LIMITS };
  const script = await readFile(assetFile('pdf-render.sh'));
  const results: Record<string, Record<string, number | string>> = {};
  try {
    const documents = {
      text20Pages: await textDocument(dir),
      images20Pages: await imageDocument(dir),
    };
    for (const [name, file] of Object.entries(documents)) {
      const bytes = new Uint8Array(await readFile(file));
      const bare: number[] = [];
      const compartment: number[] = [];
      const sanitiser: number[] = [];
      let outputBytes = 0;
      for (let run = 0; run < RUNS; run++) {
        const out = join(dir, `bare-${run}`);
        bare.push(
          await seconds(() => execFileSync('pdftoppm', ['-r', String(limits.dpi), file, out])),
        );
        execFileSync('sh', ['-c', `rm -f ${out}*`]);
        compartment.push(
          await seconds(async () => {
            const reader = new FrameReader(
              'pdf-rasterise',
              { maxPixels: limits.maxPagePixels, maxFrames: Infinity },
              'page',
            );
            let preamble = true;
            const result = await runThrowaway({
              argv: ['/bin/sh', '/in/pdf-render.sh', String(limits.dpi), String(limits.maxPages)],
              inputs: [
                { dest: '/in/pdf-render.sh', data: script },
                { dest: '/in/document.pdf', data: bytes },
              ],
              limits: {
                memoryBytes: limits.memoryBytes,
                cpuSeconds: limits.timeoutSeconds,
                wallSeconds: limits.timeoutSeconds,
                tmpBytes: 16 * 1024 * 1024,
              },
              ...(account ? { account } : {}),
              masked: [],
              onStdout: (chunk) => {
                if (preamble) {
                  const at = chunk.indexOf('render\n');
                  if (at === -1) return;
                  preamble = false;
                  chunk = chunk.subarray(at + 7);
                }
                reader.push(chunk);
              },
            });
            if (result.code !== 0 || reader.count !== PAGES)
              throw new Error(`compartment run failed: ${result.code}, ${reader.count} pages`);
          }),
        );
        sanitiser.push(
          await seconds(async () => {
            const output = await pdfRasterise.run(
              bytes,
              'application/pdf',
              { maxBytes: 256 * 1024 * 1024, maxPixels: 1, documents: limits },
              { masked: [], ...(account ? { account } : {}) },
            );
            outputBytes = output.length;
          }),
        );
      }
      const figures: Record<string, number | string> = {
        dpi: limits.dpi,
        inputMiB: +(bytes.length / 1048576).toFixed(2),
        outputMiB: +(outputBytes / 1048576).toFixed(2),
      };
      for (const [how, pick] of [
        ['median', median],
        ['best', (v: number[]) => Math.min(...v)],
      ] as const) {
        const [b, c, s] = [pick(bare), pick(compartment), pick(sanitiser)];
        figures[`${how}BareRendererSecondsPerPage`] = +(b / PAGES).toFixed(3);
        figures[`${how}CompartmentSecondsPerPage`] = +(c / PAGES).toFixed(3);
        figures[`${how}SanitiserSecondsPerPage`] = +(s / PAGES).toFixed(3);
        figures[`${how}CompartmentOverheadPercent`] = +(((c - b) / b) * 100).toFixed(1);
        figures[`${how}SanitiserOverBarePercent`] = +(((s - b) / b) * 100).toFixed(1);
      }
      results[`pdfRasterise_${name}`] = figures;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return results;
}
