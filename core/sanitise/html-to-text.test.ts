import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CloisonError } from '../contract/errors.js';
import { htmlToText } from './html-to-text.js';
import { plainText } from './plain-text.js';

const limits = { maxBytes: 1024 * 1024, maxPixels: 1 };
const utf8 = (text: string) => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array) => new TextDecoder('utf-8', { fatal: true }).decode(bytes);
const convert = async (html: string) =>
  decode(await htmlToText.run(utf8(html), 'text/html', limits));

describe('html-to-text', () => {
  it('outputs text/plain', () => {
    expect(htmlToText.output('text/html')).toBe('text/plain');
  });

  describe('keeps what a person saw, drops the rest', () => {
    it.each([
      ['keeps paragraph text', '<p>Hello</p><p>world</p>', 'Hello\n\nworld'],
      [
        'keeps link text, drops the URL',
        '<p>See <a href="https://evil.example/?t=123">the report</a>.</p>',
        'See the report.',
      ],
      [
        'drops images and their URLs',
        '<p>a<img src="https://tracker.example/p.gif" alt="x">b</p>',
        'ab',
      ],
      ['drops scripts and styles', '<style>p{}</style><script>steal()</script><p>ok</p>', 'ok'],
      [
        'drops the head, title included',
        '<html><head><title>T</title></head><body>body</body></html>',
        'body',
      ],
      ['keeps headings as written', '<h1>Quarterly Plan</h1>', 'Quarterly Plan'],
      ['never wraps long lines', `<p>${'word '.repeat(40).trim()}</p>`, 'word '.repeat(40).trim()],
      ['decodes entities', '<p>a &amp; b &lt;c&gt;</p>', 'a & b <c>'],
      ['removes bidi overrides from the text', '<p>x\u202Ey</p>', 'xy'],
      ['removes controls, entity-encoded ones too', '<p>a&#x1b;b\u0007c</p>', 'abc'],
    ])('%s', async (_what, html, text) => {
      expect(await convert(html)).toBe(text);
    });
  });

  it('does not truncate long input', async () => {
    const html = `<p>${'x'.repeat(20_000_000)}</p>`;
    const big = { ...limits, maxBytes: 64 * 1024 * 1024 };
    const output = await htmlToText.run(utf8(html), 'text/html', big);
    expect(output.length).toBe(20_000_000);
  });

  it('refuses invalid UTF-8 with the offset', async () => {
    const input = new Uint8Array([...utf8('<p>caf'), 0xe9, ...utf8('</p>')]);
    const error = await htmlToText.run(input, 'text/html', limits).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloisonError);
    expect((error as CloisonError).code).toBe('BAD_CONTENT');
    expect((error as CloisonError).message).toMatch(/byte offset 6\.$/);
  });

  it('outputs what plain-text leaves unchanged, whatever the HTML', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.constantFrom(
              '<p>',
              '</p>',
              '<a href="x">',
              '</a>',
              '<br>',
              '<script>',
              '</script>',
              '&#x202E;',
              '&#0;',
              '\r\n',
            ),
            fc.string({ maxLength: 10 }),
          ),
          { maxLength: 30 },
        ),
        async (parts) => {
          const output = await htmlToText.run(utf8(parts.join('')), 'text/html', limits);
          expect(await plainText.run(output, 'text/plain', limits)).toEqual(output);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('deeply nested HTML', () => {
  it.each([
    ['600 nested divs', '<div>'.repeat(600) + 'x'],
    ['a megabyte of nested divs, refused before parsing', '<div>'.repeat(200_000) + 'x'],
    ['nesting hidden behind closing tags in attributes', '<div title="</div>">'.repeat(5000)],
    ['nesting hidden behind closing tags in scripts', '<div><script></div></script>'.repeat(5000)],
    ['self-closing divs, which nest in HTML', '<div/>'.repeat(5000)],
  ])('refuses %s whole, within a second', async (_what, html) => {
    const started = Date.now();
    const error = await htmlToText
      .run(utf8(html), 'text/html', { ...limits, maxBytes: 16 * 1024 * 1024 })
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error).toBeInstanceOf(CloisonError);
    expect(error).toMatchObject({
      code: 'SANITISER_FAILED',
      message: expect.stringMatching(/levels/),
    });
  });

  it.each([
    ['a long flat list', '<ul>' + '<li>item'.repeat(20_000) + '</ul>'],
    ['many sibling paragraphs', '<p>para</p>'.repeat(20_000)],
    ['a table with implied end tags', '<table>' + '<tr><td>a<td>b'.repeat(5000) + '</table>'],
  ])('converts %s', async (_what, html) => {
    const output = await htmlToText.run(utf8(html), 'text/html', {
      ...limits,
      maxBytes: 16 * 1024 * 1024,
    });
    expect(output.length).toBeGreaterThan(0);
  });
});
