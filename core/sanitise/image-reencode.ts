// The image-reencode sanitiser: an untrusted image from a source level is decoded and encoded anew
// by libvips (sharp), so that only pixels cross: no metadata (EXIF, XMP, ICC, comments), no
// trailing data, no crafted chunks aimed at the target level's decoders.
//
// Choices: the type is re-checked from the bytes (a "PNG" that is a JPEG is refused); dimensions
// are read from the header and checked against `maxPixels` before anything is decoded, and sharp's
// `limitInputPixels` enforces the same limit in the decoder, so a decompression bomb is refused
// without being expanded; `failOn: 'error'` refuses corrupt or truncated data rather than
// delivering a partly grey image; animated images are refused (taking the first frame would
// deliver something other than what the user sent); the EXIF orientation is applied to the pixels
// before the metadata is dropped, so the image looks as it did. PNG → PNG, JPEG → JPEG (quality
// 90), WebP → WebP (quality 90), GIF → PNG. Output over `maxBytes` is refused.
import sharp from 'sharp';
import { detectType } from '../inspect/detect.js';
import { checkAccepted, checkBytes, sanitiserError, type Sanitiser } from './sanitiser.js';

// A daemon decoding untrusted images keeps none of them cached between transfers.
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

function reason(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).trim().replace(/[.\s]+$/, '');
}

export const imageReencode: Sanitiser = {
  name: 'image-reencode',
  version: `1 (sharp ${sharp.versions.sharp ?? '?'}, libvips ${sharp.versions.vips})`,
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
  async run(input, type, limits) {
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

    const options = {
      limitInputPixels: limits.maxPixels,
      failOn: 'error',
      animated: false,
    } as const;

    let metadata: sharp.Metadata;
    try {
      // The header only (no pixel is decoded), so the limit is checked here with the dimensions
      // named, rather than by the decoder's terser refusal below.
      metadata = await sharp(input, { ...options, limitInputPixels: false }).metadata();
    } catch (error) {
      throw sanitiserError(
        'image-reencode',
        'BAD_CONTENT',
        `The image cannot be read: ${reason(error)}.`,
      );
    }
    if (metadata.format !== inputFormat[type]) {
      throw sanitiserError(
        'image-reencode',
        'BAD_CONTENT',
        `The image decodes as ${metadata.format ?? 'nothing known'}, not as ${type}.`,
      );
    }
    const { width, height } = metadata;
    if (!width || !height) {
      throw sanitiserError('image-reencode', 'BAD_CONTENT', 'The image has no dimensions.');
    }
    if (width * height > limits.maxPixels) {
      throw sanitiserError(
        'image-reencode',
        'TOO_LARGE',
        `The image is ${width}×${height} pixels (${width * height}), over the limit of ${limits.maxPixels} pixels.`,
        { width, height, maxPixels: limits.maxPixels },
      );
    }
    if ((metadata.pages ?? 1) > 1) {
      throw sanitiserError(
        'image-reencode',
        'SANITISER_FAILED',
        `The image is animated (${metadata.pages} frames); image-reencode takes still images only.`,
        { frames: metadata.pages },
      );
    }

    let pipeline = sharp(input, options).rotate();
    const out = outputType[type];
    if (out === 'image/jpeg') pipeline = pipeline.jpeg({ quality: 90 });
    else if (out === 'image/webp') pipeline = pipeline.webp({ quality: 90 });
    else pipeline = pipeline.png();

    let output: Uint8Array;
    try {
      output = new Uint8Array(await pipeline.toBuffer());
    } catch (error) {
      const message = reason(error);
      if (/pixel limit/i.test(message)) {
        throw sanitiserError(
          'image-reencode',
          'TOO_LARGE',
          `The image is over the limit of ${limits.maxPixels} pixels: ${message}.`,
        );
      }
      throw sanitiserError(
        'image-reencode',
        'BAD_CONTENT',
        `The image cannot be decoded: ${message}.`,
      );
    }
    checkBytes('image-reencode', 'output', output, limits);
    return output;
  },
};
