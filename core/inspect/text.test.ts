import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkText, firstInvalidUtf8, TextValidator } from './text.js';

const utf8 = (text: string) => new TextEncoder().encode(text);

describe('firstInvalidUtf8', () => {
  it.each([
    ['valid ASCII', [0x61, 0x62], undefined],
    ['valid 2-, 3- and 4-byte sequences', [...utf8('é€😀')], undefined],
    ['a stray continuation byte', [0x61, 0x80], 1],
    ['an overlong 2-byte encoding', [0x61, 0x61, 0xc1, 0xbf], 2],
    ['an overlong 3-byte encoding', [0xe0, 0x80, 0xaf], 0],
    ['an encoded surrogate', [0x61, 0xed, 0xb0, 0x80], 1],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0],
    ['a sequence cut by the end', [0x61, 0xf0, 0x9f, 0x98], 1],
    ['a byte never used in UTF-8', [0x61, 0x62, 0x63, 0xff], 3],
  ])('%s → %s', (_what, bytes, offset) => {
    expect(firstInvalidUtf8(new Uint8Array(bytes))).toBe(offset);
  });

  it('agrees with the strict TextDecoder on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        let valid = true;
        try {
          new TextDecoder('utf-8', { fatal: true }).decode(bytes);
        } catch {
          valid = false;
        }
        expect(firstInvalidUtf8(bytes) === undefined).toBe(valid);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('TextValidator', () => {
  it('gives the same verdict however the bytes are split into chunks', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.string({ unit: 'grapheme', maxLength: 100 }).map(utf8),
        ),
        fc.array(fc.nat(), { maxLength: 6 }),
        (bytes, cuts) => {
          const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort(
            (a, b) => a - b,
          );
          const validator = new TextValidator();
          let from = 0;
          for (const point of [...points, bytes.length]) {
            validator.push(bytes.subarray(from, point));
            from = point;
          }
          expect(validator.end()).toEqual(checkText(bytes));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('refuses a file whose head is text but whose tail holds a NUL, naming its offset', () => {
    const validator = new TextValidator();
    validator.push(utf8('a'.repeat(1000)));
    validator.push(new Uint8Array([0x62, 0x00, 0x63]));
    expect(validator.end()).toMatchObject({
      text: false,
      problem: { offset: 1001, reason: 'a NUL byte' },
    });
  });

  it('refuses a UTF-8 sequence cut by the end of the whole stream', () => {
    const validator = new TextValidator();
    validator.push(utf8('€').subarray(0, 2));
    expect(validator.end()).toMatchObject({ text: false, problem: { offset: 0 } });
  });

  it('counts C0, DEL and C1 control characters, not tab, newlines or form feed', () => {
    expect(checkText(utf8('\t\n\r\f')).controls).toBe(0);
    expect(checkText(utf8('\x1b\x7f\u0085\u009f')).controls).toBe(4);
    expect(checkText(utf8('a\x1b')).text).toBe(true);
    expect(checkText(utf8('a\x1b\x1b')).text).toBe(false);
  });
});
