import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NAME_MAX_BYTES, PARTIAL_PREFIX, safeName, shown, withCopyNumber } from './names.js';

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
// eslint-disable-next-line no-control-regex -- the property checks for control characters
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200e\u200f/]/u;

// Names as a hostile app could make them: any code points, with the troublesome ones over-represented.
const troublesome = fc.constantFrom(
  '.',
  '..',
  '/',
  '\u0000',
  '\u0001',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u009f',
  '\u202e',
  '\u2066',
  '\u200f',
  ' ',
  'e\u0301',
  '\u0301',
  'é',
  '😀',
  '\ud800',
  '\udc00',
  PARTIAL_PREFIX,
  'x'.repeat(300),
  '€'.repeat(100),
  '.pdf',
);
const hostileName = fc
  .array(fc.oneof(troublesome, fc.string({ unit: 'binary' }), fc.string()), { maxLength: 8 })
  .map((parts) => parts.join(''));

describe('safeName', () => {
  describe('for any name a hostile app can make', () => {
    it('gives a name that is never empty, ".", or ".."', () => {
      fc.assert(
        fc.property(hostileName, (n) => {
          const out = safeName(n).name;
          expect(out).not.toBe('');
          expect(out).not.toBe('.');
          expect(out).not.toBe('..');
        }),
        { numRuns: 2000 },
      );
    });

    it('gives a name without "/", NUL, control or bidi characters, at most 255 bytes, in NFC', () => {
      fc.assert(
        fc.property(hostileName, (n) => {
          const out = safeName(n).name;
          expect(out).not.toMatch(FORBIDDEN);
          expect(bytes(out)).toBeLessThanOrEqual(NAME_MAX_BYTES);
          expect(out.normalize('NFC')).toBe(out);
          expect(out.startsWith(PARTIAL_PREFIX)).toBe(false);
        }),
        { numRuns: 2000 },
      );
    });

    it('is idempotent: a safe name is left as it is, with nothing to report', () => {
      fc.assert(
        fc.property(hostileName, (n) => {
          const once = safeName(n).name;
          expect(safeName(once)).toEqual({ name: once });
        }),
        { numRuns: 2000 },
      );
    });

    it('reports a change exactly when the name changed', () => {
      fc.assert(
        fc.property(hostileName, (n) => {
          const r = safeName(n);
          expect(r.changed !== undefined).toBe(r.name !== n);
        }),
        { numRuns: 2000 },
      );
    });
  });

  describe('on examples', () => {
    it.each([
      ['report.pdf', 'report.pdf'],
      ['invoice\u202efdp.exe', 'invoicefdp.exe'],
      ['a\u0007b\u001b[31m', 'ab[31m'],
      ['a/b', 'a_b'],
      ['a\u0000b', 'a_b'],
      ['.', '_'],
      ['..', '_'],
      ['', '_'],
      ['notes. . ', 'notes'],
      ['e\u0301te\u0301', 'été'],
      ['e\u0001\u0301', 'é'],
      ['.bashrc', '.bashrc'],
      [PARTIAL_PREFIX + 'x', '_' + PARTIAL_PREFIX + 'x'],
    ])('makes %j into %j', (input, output) => {
      expect(safeName(input).name).toBe(output);
    });

    it('keeps the extension when shortening, and never cuts a character', () => {
      const out = safeName('€'.repeat(200) + '.pdf').name;
      expect(out.endsWith('.pdf')).toBe(true);
      expect(bytes(out)).toBeLessThanOrEqual(255);
      expect(out.slice(0, -4)).toBe('€'.repeat(83)); // 83 × 3 bytes + 4 = 253
    });

    it('says what it changed, with the original name escaped', () => {
      const r = safeName('a\u202eb.txt');
      expect(r.changed).toBe(
        'Name "a\\u{202e}b.txt" changed: removed bidirectional control characters.',
      );
    });
  });
});

describe('withCopyNumber', () => {
  it.each([
    ['report.pdf', 1, 'report (1).pdf'],
    ['report', 2, 'report (2)'],
    ['.bashrc', 3, '.bashrc (3)'],
    ['report.pdf', 0, 'report.pdf'],
  ])('numbers %j as copy %i: %j', (name, n, out) => {
    expect(withCopyNumber(name, n)).toBe(out);
  });

  it('stays within 255 bytes and safe', () => {
    fc.assert(
      fc.property(hostileName, fc.integer({ min: 1, max: 100_000 }), (n, i) => {
        const out = withCopyNumber(safeName(n).name, i);
        expect(bytes(out)).toBeLessThanOrEqual(NAME_MAX_BYTES);
        expect(safeName(out)).toEqual({ name: out });
      }),
    );
  });
});

describe('shown', () => {
  it('escapes controls, bidi characters and quotes', () => {
    expect(shown('a\u202e"\n')).toBe('"a\\u{202e}\\"\\u{a}"');
  });
});
