import { readFile } from 'node:fs/promises';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { CloisonError } from '../contract/errors.js';
import { detectType } from '../inspect/detect.js';
import { imageReencode } from './image-reencode.js';
import { DEFAULT_DOCUMENT_LIMITS } from './sanitiser.js';

const limits = { maxBytes: 16 * 1024 * 1024, maxPixels: 50_000_000 };

function chunk(kind: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(kind, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A valid PNG of `size`×`size` pixels of one colour (1-bit greyscale): 20000×20000 is 400 million
 * pixels in about 50 KB, a decompression bomb.
 */
function onePixelColourPng(size: number): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // greyscale
  const rows = Buffer.alloc((1 + Math.ceil(size / 8)) * size); // filter byte 0, then zeros
  return new Uint8Array(
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', deflateSync(rows, { level: 9 })),
      chunk('IEND', Buffer.alloc(0)),
    ]),
  );
}

async function refusal(promise: Promise<unknown>): Promise<CloisonError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(CloisonError);
  return error as CloisonError;
}

const base = () => sharp({ create: { width: 40, height: 20, channels: 3, background: '#c03020' } });
const exif = { IFD0: { Copyright: 'SECRET-OWNER', ImageDescription: 'taken at the secret site' } };

let jpegWithExif: Uint8Array;
let pngWithExif: Uint8Array;
let webp: Uint8Array;
let gif: Uint8Array;

beforeAll(async () => {
  jpegWithExif = new Uint8Array(
    await base().jpeg().withExif(exif).withMetadata({ orientation: 6 }).toBuffer(),
  );
  pngWithExif = new Uint8Array(await base().png().withExif(exif).toBuffer());
  webp = new Uint8Array(await base().webp().withExif(exif).toBuffer());
  gif = new Uint8Array(await base().gif().toBuffer());
});

describe('image-reencode', () => {
  describe('re-encodes real images and drops their metadata', () => {
    it.each([
      ['a PNG with EXIF', () => pngWithExif, 'image/png', 'image/png', 'png'],
      ['a JPEG with EXIF', () => jpegWithExif, 'image/jpeg', 'image/jpeg', 'jpeg'],
      ['a WebP with EXIF', () => webp, 'image/webp', 'image/webp', 'webp'],
      ['a GIF, as PNG', () => gif, 'image/gif', 'image/png', 'png'],
    ])('%s', async (_what, input, type, outType, format) => {
      const before = await sharp(input()).metadata();
      if (type !== 'image/gif') expect(before.exif).toBeDefined();
      const output = await imageReencode.run(input(), type, limits);
      expect(imageReencode.output(type)).toBe(outType);
      expect((await detectType(output)).type).toBe(outType);
      const after = await sharp(output).metadata();
      expect(after.format).toBe(format);
      expect(after.exif).toBeUndefined();
      expect(after.xmp).toBeUndefined();
      expect(after.icc).toBeUndefined();
      expect(Buffer.from(output).includes('SECRET-OWNER')).toBe(false);
    });
  });

  it('applies the EXIF orientation to the pixels before dropping it', async () => {
    expect((await sharp(jpegWithExif).metadata()).orientation).toBe(6);
    const output = await imageReencode.run(jpegWithExif, 'image/jpeg', limits);
    const after = await sharp(output).metadata();
    expect([after.width, after.height, after.orientation]).toEqual([20, 40, undefined]);
  });

  it('refuses a decompression bomb by its pixel count, before decoding it', async () => {
    const bomb = onePixelColourPng(20_000);
    expect(bomb.length).toBeLessThan(200_000);
    const rssBefore = process.memoryUsage().rss;
    const error = await refusal(imageReencode.run(bomb, 'image/png', limits));
    expect(error.code).toBe('TOO_LARGE');
    expect(error.message).toBe(
      'The image is 20000×20000 pixels (400000000), over the limit of 50000000 pixels.',
    );
    expect(error.details).toMatchObject({ sanitiser: 'image-reencode', width: 20_000 });
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(256 * 1024 * 1024);
  });

  it('stops a bomb under a raised pixel limit by the memory limit of its compartment', async () => {
    const bomb = onePixelColourPng(20_000);
    const rssBefore = process.memoryUsage().rss;
    const documents = { ...DEFAULT_DOCUMENT_LIMITS, memoryBytes: 256 * 1024 * 1024 };
    const error = await refusal(
      imageReencode.run(bomb, 'image/png', { ...limits, maxPixels: 1_000_000_000, documents }),
    );
    expect(error.code).toBe('TOO_LARGE');
    expect(error.message).toMatch(
      /^Decoding the image needed more than the 256 MiB of memory allowed: .*out of memory/,
    );
    expect(error.details).toMatchObject({ limit: 'memory', sanitiser: 'image-reencode' });
    // The decoder's memory was the compartment's, never the broker's.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(128 * 1024 * 1024);
  });

  it('lets an image at the pixel limit through', async () => {
    const png = onePixelColourPng(100);
    const output = await imageReencode.run(png, 'image/png', { ...limits, maxPixels: 10_000 });
    expect((await sharp(output).metadata()).width).toBe(100);
  });

  describe('refuses, whole', () => {
    it.each([
      [
        'a corrupt PNG (its image data overwritten)',
        async () => {
          const png = Buffer.from(await base().png().toBuffer());
          const idat = png.indexOf('IDAT') + 4;
          png.fill(0xa5, idat, idat + 24);
          return { input: new Uint8Array(png), type: 'image/png' };
        },
        'BAD_CONTENT',
        /^The image cannot be (read|decoded): /,
      ],
      [
        'a truncated JPEG',
        async () => {
          const jpeg = await base().jpeg().toBuffer();
          return { input: new Uint8Array(jpeg.subarray(0, jpeg.length / 2)), type: 'image/jpeg' };
        },
        'BAD_CONTENT',
        /^The image cannot be (read|decoded): /,
      ],
      [
        'a file that is not an image',
        async () => ({
          input: new Uint8Array(await readFile('/work/shared/cases/documents/autoprint.pdf')),
          type: 'image/png',
        }),
        'BAD_CONTENT',
        /^The bytes are application\/pdf, not image\/png\.$/,
      ],
      [
        'a JPEG offered as a PNG',
        async () => ({ input: jpegWithExif, type: 'image/png' }),
        'BAD_CONTENT',
        /^The bytes are image\/jpeg, not image\/png\.$/,
      ],
      [
        'an animated GIF',
        async () => {
          const frame = (background: string) =>
            sharp({ create: { width: 10, height: 10, channels: 3, background } })
              .png()
              .toBuffer();
          const frames = await Promise.all(['#ff0000', '#00ff00', '#0000ff'].map(frame));
          const gif = await sharp(frames, { join: { animated: true } })
            .gif()
            .toBuffer();
          return { input: new Uint8Array(gif), type: 'image/gif' };
        },
        'SANITISER_FAILED',
        /animated/,
      ],
      [
        'an output over the byte limit',
        async () => ({ input: pngWithExif, type: 'image/png' }),
        'TOO_LARGE',
        /^The (input|output) of image-reencode is \d+ bytes, over the limit of 64 bytes\.$/,
      ],
      [
        'a type it does not take',
        async () => ({ input: pngWithExif, type: 'image/tiff' }),
        'SANITISER_FAILED',
        /^image-reencode takes image\/png, image\/jpeg, image\/gif, image\/webp, not image\/tiff\.$/,
      ],
    ])('%s', async (_what, make, code, message) => {
      const { input, type } = await make();
      const small = code === 'TOO_LARGE' ? { ...limits, maxBytes: 64 } : limits;
      const error = await refusal(imageReencode.run(input, type, small));
      expect(error.code).toBe(code);
      expect(error.message).toMatch(message);
      expect(error.details.sanitiser).toBe('image-reencode');
    });
  });
});
