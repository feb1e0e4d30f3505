import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectFileType, detectType, FILE_HEAD_BYTES } from './detect.js';
import { isKnownType } from './types.js';

const documents = '/work/shared/cases/documents';
const utf8 = (text: string) => new TextEncoder().encode(text);

/** A real one-entry ZIP archive (stored, no compression), built by hand. */
function zipOf(name: string, content: string): Uint8Array {
  const nameBytes = Buffer.from(name);
  const data = Buffer.from(content);
  const crc = crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(nameBytes.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(nameBytes.length, 28);
  const centralOffset = local.length + nameBytes.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + nameBytes.length, 12);
  end.writeUInt32LE(centralOffset, 16);
  return new Uint8Array(Buffer.concat([local, nameBytes, data, central, nameBytes, end]));
}

let png: Uint8Array;
let jpeg: Uint8Array;

beforeAll(async () => {
  const image = sharp({ create: { width: 8, height: 8, channels: 3, background: '#3366cc' } });
  png = new Uint8Array(await image.clone().png().toBuffer());
  jpeg = new Uint8Array(await image.clone().jpeg().toBuffer());
});

describe('detectType', () => {
  describe('recognises binary formats by their signatures', () => {
    it.each([
      ['a PNG image', () => png, 'image/png'],
      ['a JPEG image', () => jpeg, 'image/jpeg'],
      ['a ZIP archive', () => zipOf('notes.txt', 'hello'), 'application/zip'],
      ['a PDF', () => utf8('%PDF-1.7\n1 0 obj\n<<>>\nendobj\n'), 'application/pdf'],
    ])('%s', async (_what, bytes, type) => {
      expect(await detectType(bytes())).toEqual({ type, text: expect.any(Boolean) });
    });
  });

  describe('detects every PDF of the PDF.js corpus as application/pdf', async () => {
    const names = (await readdir(documents)).filter((name) => name.endsWith('.pdf'));
    it.each(names)('%s', async (name) => {
      const bytes = new Uint8Array(await readFile(join(documents, name)));
      expect((await detectType(bytes)).type).toBe('application/pdf');
    });
  });

  describe('recognises text', () => {
    it.each([
      ['ASCII prose', 'Hello, world.\n', 'text/plain'],
      ['UTF-8 with accents and emoji', 'Éléphant 🐘 — naïve\r\n', 'text/plain'],
      ['text with tabs and form feeds', 'a\tb\fc\n', 'text/plain'],
      [
        'an HTML document with a doctype',
        '<!DOCTYPE html>\n<html><body>x</body></html>',
        'text/html',
      ],
      ['an HTML document opening with <html>', '  <HTML lang="fr"><p>x</p></HTML>', 'text/html'],
      ['browser clipboard HTML', '<meta charset="utf-8"><b>bold</b>', 'text/html'],
      ['HTML after a BOM and a comment', '\uFEFF<!-- saved --> <!doctype html><p>x', 'text/html'],
      ['a bare fragment (kept as text, see looksLikeHtml)', '<b>bold</b> move', 'text/plain'],
      ['prose mentioning a tag', 'Use the <html> element.', 'text/plain'],
      ['a tag-like word', '<htmlx>', 'text/plain'],
      ['an unterminated leading comment', '<!-- <html>', 'text/plain'],
    ])('%s', async (_what, text, type) => {
      expect(await detectType(utf8(text))).toEqual({ type, text: true });
    });

    it('says the empty input is text/plain', async () => {
      expect(await detectType(new Uint8Array())).toEqual({ type: 'text/plain', text: true });
    });
  });

  describe('calls everything else application/octet-stream', () => {
    it.each([
      ['a NUL byte in text', utf8('abc\0def')],
      ['Latin-1 bytes (not UTF-8)', new Uint8Array([0x63, 0x61, 0x66, 0xe9])],
      ['an overlong encoding of /', new Uint8Array([0xc0, 0xaf])],
      ['an encoded UTF-16 surrogate', new Uint8Array([0xed, 0xa0, 0x80])],
      ['a sequence cut at the end of complete input', new Uint8Array([0x61, 0xe2, 0x82])],
      ['many control characters', utf8('\x1b\x1b\x1b\x01\x02abc')],
      ['random-looking garbage', new Uint8Array([0x8f, 0x12, 0xff, 0x00, 0x99, 0x42, 0xfe, 0x07])],
    ])('%s', async (_what, bytes) => {
      expect(await detectType(bytes)).toEqual({ type: 'application/octet-stream', text: false });
    });
  });

  describe('with { prefix: true }', () => {
    it('accepts a UTF-8 sequence cut at the very end of the head', async () => {
      const cut = utf8('price: 5 €').subarray(0, -1);
      expect(await detectType(cut, { prefix: true })).toEqual({ type: 'text/plain', text: true });
      expect((await detectType(cut)).type).toBe('application/octet-stream');
    });

    it('still refuses an invalid sequence before the end', async () => {
      const bytes = new Uint8Array([0x61, 0xe2, 0x28, 0xa1, 0x61]);
      expect((await detectType(bytes, { prefix: true })).type).toBe('application/octet-stream');
    });
  });

  it('never throws, and always returns a known type, whatever the bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), fc.boolean(), async (bytes, prefix) => {
        const detected = await detectType(bytes, { prefix });
        expect(isKnownType(detected.type)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on bytes that start with a real signature and continue at random', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(png, jpeg, utf8('%PDF-1.4\n'), zipOf('a', 'b'), utf8('<!doctype html>')),
        fc.integer({ min: 0, max: 64 }),
        fc.uint8Array({ maxLength: 512 }),
        async (start, keep, tail) => {
          const bytes = new Uint8Array([...start.subarray(0, keep), ...tail]);
          expect(isKnownType((await detectType(bytes)).type)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('detectFileType', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cloison-inspect-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('detects a PDF from its bytes, whatever its name', async () => {
    const path = join(dir, 'holiday.jpg');
    await writeFile(path, await readFile(join(documents, 'tracemonkey.pdf')));
    expect(await detectFileType(path)).toMatchObject({ type: 'application/pdf', partial: true });
  });

  it('reads a small file whole', async () => {
    const path = join(dir, 'note');
    await writeFile(path, 'a short note\n');
    expect(await detectFileType(path)).toEqual({
      type: 'text/plain',
      text: true,
      size: 13,
      partial: false,
    });
  });

  it('tolerates a UTF-8 sequence cut by the head boundary of a long text file', async () => {
    const path = join(dir, 'long.txt');
    const text = 'a'.repeat(FILE_HEAD_BYTES - 1) + '€' + 'b'.repeat(100);
    await writeFile(path, text);
    expect(await detectFileType(path)).toMatchObject({ type: 'text/plain', partial: true });
  });

  it('reports a text head with a binary tail as partial: the tail is for TextValidator', async () => {
    const path = join(dir, 'disguised.txt');
    const bytes = new Uint8Array(FILE_HEAD_BYTES + 10).fill(0x61);
    bytes[FILE_HEAD_BYTES + 5] = 0;
    await writeFile(path, bytes);
    expect(await detectFileType(path)).toMatchObject({
      type: 'text/plain',
      size: FILE_HEAD_BYTES + 10,
      partial: true,
    });
  });
});
