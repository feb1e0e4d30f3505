import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CloisonError } from '../contract/errors.js';
import { normaliseText, plainText } from './plain-text.js';

const limits = { maxBytes: 1024 * 1024, maxPixels: 1 };
const utf8 = (text: string) => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array) => new TextDecoder('utf-8', { fatal: true }).decode(bytes);
const sanitise = async (bytes: Uint8Array) => plainText.run(bytes, 'text/plain', limits);

async function refusal(promise: Promise<unknown>): Promise<CloisonError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(CloisonError);
  return error as CloisonError;
}

// eslint-disable-next-line no-control-regex -- the characters the output must not hold
const FORBIDDEN = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;

describe('plain-text', () => {
  describe('normalises text', () => {
    it.each([
      ['keeps ordinary text', 'Hello, world.\n', 'Hello, world.\n'],
      ['keeps accents, CJK and emoji with joiners', 'café 東京 👩‍💻', 'café 東京 👩‍💻'],
      ['turns CRLF into LF', 'a\r\nb\r\n', 'a\nb\n'],
      ['turns a lone CR into LF', 'a\rb\r', 'a\nb\n'],
      ['turns CR CR LF into two LFs', 'a\r\r\nb', 'a\n\nb'],
      ['keeps tabs', 'a\tb', 'a\tb'],
      ['removes NUL and other C0 controls', 'a\0b\x07c\x1b[31md', 'abc[31md'],
      ['removes form feed and vertical tab', 'a\fb\vc', 'abc'],
      ['removes DEL', 'a\x7fb', 'ab'],
      ['removes C1 controls, NEL included', 'a\u0085b\u009bc', 'abc'],
      [
        'removes bidi overrides (Trojan Source)',
        'access\u202E\u2066// admin\u2069\u2066',
        'access// admin',
      ],
      [
        'removes every embedding, override and isolate',
        '\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069x',
        'x',
      ],
      [
        'keeps the implicit marks LRM, RLM and ALM',
        'a\u200Eb\u200Fc\u061Cd',
        'a\u200Eb\u200Fc\u061Cd',
      ],
      ['removes a leading BOM', '\uFEFFtext', 'text'],
      ['removes a BOM that a removed control hid', '\x01\uFEFF\uFEFFtext', 'text'],
      ['keeps a U+FEFF inside the text', 'a\uFEFFb', 'a\uFEFFb'],
      ['keeps an empty text empty', '', ''],
    ])('%s', async (_what, input, output) => {
      expect(decode(await sanitise(utf8(input)))).toBe(output);
    });
  });

  describe('refuses invalid UTF-8, naming the first invalid byte', () => {
    it.each([
      ['a Latin-1 é', [0x63, 0x61, 0x66, 0xe9], 3],
      ['a stray continuation byte', [0x61, 0x62, 0x80, 0x63], 2],
      ['an overlong /', [0x2e, 0x2e, 0xc0, 0xaf], 2],
      ['an encoded surrogate', [0x61, 0xed, 0xa0, 0x80], 1],
      ['a sequence cut by the end', [0x61, 0x62, 0x63, 0xe2, 0x82], 3],
    ])('%s at offset %#', async (_what, bytes, offset) => {
      const error = await refusal(sanitise(new Uint8Array(bytes)));
      expect(error.code).toBe('BAD_CONTENT');
      expect(error.message).toBe(
        `The text is not valid UTF-8: the first invalid byte sequence is at byte offset ${offset}.`,
      );
      expect(error.details).toEqual({ offset, sanitiser: 'plain-text' });
    });
  });

  it('refuses input over the byte limit whole, never truncating it', async () => {
    const error = await refusal(
      plainText.run(utf8('x'.repeat(101)), 'text/plain', { ...limits, maxBytes: 100 }),
    );
    expect(error.code).toBe('TOO_LARGE');
    expect(error.message).toBe(
      'The input of plain-text is 101 bytes, over the limit of 100 bytes.',
    );
  });

  it('refuses a type it does not take', async () => {
    const error = await refusal(plainText.run(utf8('x'), 'text/html', limits));
    expect(error.code).toBe('SANITISER_FAILED');
  });

  describe('properties', () => {
    const anyText = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc
        .array(
          fc.constantFrom(
            'a',
            ' ',
            '\r',
            '\n',
            '\t',
            '\0',
            '\x1b',
            '\x7f',
            '\u0085',
            '\u202E',
            '\u2066',
            '\u2069',
            '\uFEFF',
            'é',
            '😀',
          ),
          { maxLength: 60 },
        )
        .map((parts) => parts.join('')),
    );

    it('outputs valid UTF-8 without controls (but tab and LF) or bidi controls', async () => {
      await fc.assert(
        fc.asyncProperty(anyText, async (text) => {
          const output = decode(await sanitise(utf8(text)));
          expect(output).not.toMatch(FORBIDDEN);
          expect(output.startsWith('\uFEFF')).toBe(false);
        }),
        { numRuns: 500 },
      );
    });

    it('is idempotent', async () => {
      await fc.assert(
        fc.asyncProperty(anyText, async (text) => {
          const once = await sanitise(utf8(text));
          expect(await sanitise(once)).toEqual(once);
          expect(normaliseText(normaliseText(text))).toBe(normaliseText(text));
        }),
        { numRuns: 500 },
      );
    });

    it('either refuses arbitrary bytes as BAD_CONTENT or outputs valid UTF-8', async () => {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
          const result = await sanitise(bytes).then(
            (output) => ({ output }),
            (error: unknown) => ({ error }),
          );
          if ('error' in result) {
            expect(result.error).toBeInstanceOf(CloisonError);
            expect((result.error as CloisonError).code).toBe('BAD_CONTENT');
          } else {
            expect(decode(result.output)).not.toMatch(FORBIDDEN);
          }
        }),
        { numRuns: 500 },
      );
    });
  });
});
