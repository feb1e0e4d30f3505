// image-reencode, inside its throw-away compartment (see core/sanitise/image-reencode.ts): libvips
// (through sharp) reads the untrusted image's header, refuses what the broker would refuse (not
// the format claimed, over the pixel limit, animated), then decodes it (EXIF orientation applied)
// and writes its pixels as one PAM frame on stdout. A refusal is one JSON line on stdout instead.
// Nothing else leaves: the broker encodes the output itself from these pixels.
// Usage: node image-decode.mjs FILE FORMAT MAX_PIXELS
import { readFileSync } from 'node:fs';
import process from 'node:process';
import sharp from 'sharp';

sharp.cache(false);
const [file, format, max] = process.argv.slice(2);
const maxPixels = Number(max);
const say = (refusal) => process.stdout.write(`${JSON.stringify(refusal)}\n`);
const reason = (error) =>
  (error instanceof Error ? error.message : String(error)).trim().replace(/[.\s]+$/, '');
const options = { failOn: 'error', animated: false };

async function main() {
  const input = readFileSync(file);
  let metadata;
  try {
    // The header only: no pixel is decoded before the limit is checked.
    metadata = await sharp(input, { ...options, limitInputPixels: false }).metadata();
  } catch (error) {
    return say({ refused: 'unreadable', stage: 'read', reason: reason(error) });
  }
  if (metadata.format !== format)
    return say({ refused: 'format', decodedAs: metadata.format ?? null });
  const { width, height } = metadata;
  if (!width || !height) return say({ refused: 'no-dimensions' });
  if (width * height > maxPixels) return say({ refused: 'pixels', width, height });
  if ((metadata.pages ?? 1) > 1) return say({ refused: 'animated', frames: metadata.pages });
  let decoded;
  try {
    decoded = await sharp(input, { ...options, limitInputPixels: maxPixels })
      .rotate()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    return say({ refused: 'unreadable', stage: 'decode', reason: reason(error) });
  }
  const { data, info } = decoded;
  const tuple = ['GRAYSCALE', 'GRAYSCALE_ALPHA', 'RGB', 'RGB_ALPHA'][info.channels - 1];
  const header = `P7\nWIDTH ${info.width}\nHEIGHT ${info.height}\nDEPTH ${info.channels}\nMAXVAL 255\nTUPLTYPE ${tuple}\nENDHDR\n`;
  process.stdout.write(header);
  process.stdout.write(data);
}

main().catch((error) => {
  say({ refused: 'unreadable', stage: 'decode', reason: reason(error) });
});
