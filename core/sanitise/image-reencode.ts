// The image-reencode sanitiser: an untrusted image from a source level is decoded and encoded anew
// by libvips (sharp), so that only pixels cross: no metadata (EXIF, XMP, ICC, comments), no
// trailing data, no crafted chunks aimed at the target level's decoders. Decoding, the part that
// parses hostile bytes, happens in a throw-away compartment (assets/image-decode.mjs, under the
// compartment's memory and time limits); the broker takes back raw pixels only, checks them (one
// frame, within the pixel limit) and encodes the output itself.
//
// Choices: the type is re-checked from the bytes (a "PNG" that is a JPEG is refused); dimensions
// are read from the header and checked against `maxPixels` before anything is decoded, and sharp's
// `limitInputPixels` enforces the same limit in the decoder, so a decompression bomb is refused
// without being expanded; `failOn: 'error'` refuses corrupt or truncated data rather than
// delivering a partly grey image; animated images are refused (taking the first frame would
// deliver something other than what the user sent); the EXIF orientation is applied to the pixels
// before the metadata is dropped, so the image looks as it did. PNG → PNG, JPEG → JPEG (quality
// 90), WebP → WebP (quality 90), GIF → PNG. Output over `maxBytes` is refused.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { z } from 'zod';
import { assetFile, packageRoot } from '../assets/assets.js';
import { rendererWords, runThrowaway } from '../compartment/throwaway.js';
import { SYSTEM_FOLDERS } from '../compartment/sandbox.js';
import { detectType } from '../inspect/detect.js';
import { OUT_OF_MEMORY, rendererFailure } from './pdf-rasterise.js';
import { FrameReader, type Frame } from './pixels.js';
import {
  checkAccepted,
  checkBytes,
  DEFAULT_DOCUMENT_LIMITS,
  sanitiserError,
  type Sanitiser,
} from './sanitiser.js';

// A daemon encoding images keeps none of them cached between transfers.
sharp.cache(false);

const inputFormat: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

const outputType: Record<string, string> = {
  'image/png': 'image/png',
  'image/jpeg': 'image/jpeg',
  'image/gif': 'image/png',
  'image/webp': 'image/webp',
};

/** What the decoder says when it refuses (one JSON line); its words are untrusted. */
const Refusal = z.discriminatedUnion('refused', [
  z.object({
    refused: z.literal('unreadable'),
    stage: z.enum(['read', 'decode']),
    reason: z.string(),
  }),
  z.object({ refused: z.literal('format'), decodedAs: z.string().nullable() }),
  z.object({ refused: z.literal('no-dimensions') }),
  z.object({ refused: z.literal('pixels'), width: z.int().positive(), height: z.int().positive() }),
  z.object({ refused: z.literal('animated'), frames: z.int().positive() }),
]);

let script: Promise<Buffer> | undefined;
const decodeScript = () => (script ??= readFile(assetFile('image-decode.mjs')));

/**
 * Where the decoder finds sharp inside: the package's node_modules, bound read-only unless it is
 * under a system folder the compartment sees anyway (a system install).
 */
function decoderModules(): {
  mounts: { kind: 'dir'; host: string; dest: string; mode: 'ro' }[];
  dir: string;
} {
  const modules = join(packageRoot(), 'node_modules');
  const visible = SYSTEM_FOLDERS.some((f) => modules.startsWith(`${f}/`));
  if (visible) return { mounts: [], dir: packageRoot() };
  return {
    mounts: [{ kind: 'dir', host: modules, dest: '/in/node_modules', mode: 'ro' }],
    dir: '/in',
  };
}

export const imageReencode: Sanitiser = {
  name: 'image-reencode',
  version: `2 (sharp ${sharp.versions.sharp ?? '?'}, libvips ${sharp.versions.vips}, decoded in a throw-away compartment)`,
  accepts: ['image/png', 'image/jpeg', 'image/gif', 'image/webp'],
  output(type) {
    const out = outputType[type];
    if (out === undefined) {
      throw sanitiserError(
        'image-reencode',
        'SANITISER_FAILED',
        `image-reencode does not take ${type}.`,
      );
    }
    return out;
  },
  async run(input, type, limits, context = { masked: [] }) {
    checkAccepted(imageReencode, type);
    checkBytes('image-reencode', 'input', input, limits);

    const detected = (await detectType(input)).type;
    if (detected !== type) {
      throw sanitiserError(
        'image-reencode',
        'BAD_CONTENT',
        `The bytes are ${detected}, not ${type}.`,
        {
          type,
          detected,
        },
      );
    }

    const doc = limits.documents ?? DEFAULT_DOCUMENT_LIMITS;
    const modules = decoderModules();
    const reader = new FrameReader(
      'image-reencode',
      { maxPixels: limits.maxPixels, maxFrames: 1 },
      'image',
    );
    const frames: Frame[] = [];
    let refusal = '';
    let kind: 'refusal' | 'pixels' | undefined;
    const worker = `${modules.dir}/image-decode.mjs`;
    const result = await runThrowaway({
      argv: [process.execPath, worker, '/in/image', inputFormat[type]!, String(limits.maxPixels)],
      inputs: [
        { dest: worker, data: await decodeScript() },
        { dest: '/in/image', data: input },
      ],
      mounts: modules.mounts,
      limits: {
        memoryBytes: doc.memoryBytes,
        cpuSeconds: doc.timeoutSeconds,
        wallSeconds: doc.timeoutSeconds,
        tmpBytes: 1024 * 1024,
      },
      ...(context.account ? { account: context.account } : {}),
      masked: context.masked,
      ...(context.maskedFiles ? { maskedFiles: context.maskedFiles } : {}),
      ...(context.signal ? { signal: context.signal } : {}),
      onStdout: (chunk) => {
        // A refusal is a JSON line ("{…"), pixels a PAM frame ("P7…"): the first byte tells.
        kind ??= chunk[0] === 0x7b ? 'refusal' : 'pixels';
        if (kind === 'pixels') {
          frames.push(...reader.push(chunk));
          return;
        }
        refusal += chunk.toString('utf8');
        if (refusal.length > 4096)
          throw sanitiserError('image-reencode', 'BAD_CONTENT', 'The decoder said too much.');
      },
    });
    if (result.stopped !== undefined) throw result.stopped;
    if (refusal) throw refusalError(refusal, type, limits.maxPixels, doc.memoryBytes);
    if (result.timedOut || result.code !== 0)
      throw rendererFailure('image-reencode', 'image', result, doc);
    reader.end();
    const frame = frames[0];
    if (!frame) throw sanitiserError('image-reencode', 'BAD_CONTENT', 'The decoder gave no image.');

    let pipeline = sharp(frame.pixels, {
      raw: { width: frame.width, height: frame.height, channels: frame.channels },
    });
    const out = outputType[type];
    if (out === 'image/jpeg') pipeline = pipeline.jpeg({ quality: 90 });
    else if (out === 'image/webp') pipeline = pipeline.webp({ quality: 90 });
    else pipeline = pipeline.png();
    const output = new Uint8Array(await pipeline.toBuffer());
    checkBytes('image-reencode', 'output', output, limits);
    return output;
  },
};

/** The decoder's refusal as the broker words it; anything but a known refusal is refused too. */
function refusalError(line: string, type: string, maxPixels: number, memoryBytes: number) {
  let parsed;
  try {
    parsed = Refusal.safeParse(JSON.parse(line.trim()));
  } catch {
    parsed = undefined;
  }
  if (!parsed?.success) {
    return sanitiserError(
      'image-reencode',
      'BAD_CONTENT',
      'The decoder went wrong: it sent neither pixels nor a known refusal.',
    );
  }
  const r = parsed.data;
  switch (r.refused) {
    case 'unreadable': {
      const words = rendererWords(r.reason, 200);
      if (OUT_OF_MEMORY.test(words)) {
        return sanitiserError(
          'image-reencode',
          'TOO_LARGE',
          `Decoding the image needed more than the ${Math.round(memoryBytes / 1048576)} MiB of memory allowed: ${words}.`,
          { limit: 'memory', memoryBytes },
        );
      }
      if (/pixel limit/i.test(words)) {
        return sanitiserError(
          'image-reencode',
          'TOO_LARGE',
          `The image is over the limit of ${maxPixels} pixels: ${words}.`,
        );
      }
      return sanitiserError(
        'image-reencode',
        'BAD_CONTENT',
        `The image cannot be ${r.stage === 'read' ? 'read' : 'decoded'}: ${words}.`,
      );
    }
    case 'format':
      return sanitiserError(
        'image-reencode',
        'BAD_CONTENT',
        `The image decodes as ${r.decodedAs ? rendererWords(r.decodedAs, 20) : 'nothing known'}, not as ${type}.`,
      );
    case 'no-dimensions':
      return sanitiserError('image-reencode', 'BAD_CONTENT', 'The image has no dimensions.');
    case 'pixels':
      return sanitiserError(
        'image-reencode',
        'TOO_LARGE',
        `The image is ${r.width}×${r.height} pixels (${r.width * r.height}), over the limit of ${maxPixels} pixels.`,
        { width: r.width, height: r.height, maxPixels },
      );
    case 'animated':
      return sanitiserError(
        'image-reencode',
        'SANITISER_FAILED',
        `The image is animated (${r.frames} frames); image-reencode takes still images only.`,
        { frames: r.frames },
      );
  }
}
