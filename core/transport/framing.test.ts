import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineFramer, type Frame } from './framing.js';

function feed(framer: LineFramer, chunks: string[]): Frame[] {
  return chunks.flatMap((c) => [...framer.push(Buffer.from(c))]);
}

describe('line framing', () => {
  it('yields one message per line, whatever the chunking', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc
            .string({ unit: 'grapheme-ascii', minLength: 1 })
            .filter((s) => !s.includes('\n') && s.trim() !== ''),
          { maxLength: 20 },
        ),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1 }),
        (lines, cuts) => {
          const whole = lines.map((l) => l + '\n').join('');
          const chunks: string[] = [];
          for (let i = 0, k = 0; i < whole.length; k++) {
            const n = cuts[k % cuts.length] ?? 1;
            chunks.push(whole.slice(i, i + n));
            i += n;
          }
          const frames = feed(new LineFramer(1000), chunks);
          expect(frames).toEqual(lines.map((text) => ({ kind: 'message', text })));
        },
      ),
    );
  });

  describe('when a line is over the limit', () => {
    it('reports it once, skips it, and keeps serving the next line', () => {
      const framer = new LineFramer(10);
      const frames = feed(framer, ['0123456', '789abcdef', 'ghij\n{"ok":1}\n']);
      expect(frames).toEqual([
        { kind: 'oversize', bytes: 16 },
        { kind: 'message', text: '{"ok":1}' },
      ]);
    });
  });
});
