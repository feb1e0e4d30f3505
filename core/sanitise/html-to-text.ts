// The html-to-text sanitiser: untrusted HTML from a source level reduced to the text a person saw,
// then normalised as plain-text. Nothing of the markup crosses: no tags, scripts, styles, URLs.
//
// Choices: link text is kept and link URLs are dropped (an href is not what the user saw, and it
// can carry tracking tokens or data); images are dropped, alt text included (it was not displayed);
// <head>, <script>, <style>, <template>, <noscript>, <svg>, <object> and <iframe> are skipped with
// their content; headings keep their case; lines are never wrapped; the input must be UTF-8 (a
// declared charset is ignored). Nothing is ever cut: the byte limit is checked before parsing, and
// HTML nested deeper than MAX_HTML_DEPTH is refused whole.
import { randomUUID } from 'node:crypto';
import { convert, type HtmlToTextOptions } from 'html-to-text';
import { normaliseText, decodeUtf8 } from './plain-text.js';
import { checkAccepted, checkBytes, sanitiserError, type Sanitiser } from './sanitiser.js';

const skip = ['head', 'script', 'style', 'template', 'noscript', 'img', 'svg', 'object', 'iframe'];
const headings = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({
  selector,
  options: { uppercase: false },
}));

/**
 * Deeper nesting than this is refused: html-to-text formats recursively, so a few kilobytes of
 * `<div>` would exhaust the stack or stall the daemon. Browsers' own clipboard HTML stays far below.
 */
export const MAX_HTML_DEPTH = 512;

/** Elements that never nest: void ones, and those whose end tag is optional (a new one closes). */
const NOT_NESTING = new Set(
  (
    'area base br col embed hr img input link meta source track wbr ' +
    'p li dt dd tr td th option optgroup rb rt rp thead tbody tfoot colgroup caption html head body'
  ).split(' '),
);

const RAW_TEXT = new Set([
  'script',
  'style',
  'textarea',
  'title',
  'xmp',
  'iframe',
  'noembed',
  'noframes',
]);

/**
 * An estimate of the nesting depth, in one linear pass of a minimal tokenizer made before parsing:
 * the parser itself slows down quadratically on deep nesting (a megabyte of `<div>` would stall the
 * daemon for minutes), so absurd depth is refused before it is given the input. It skips comments,
 * quoted attribute values and raw-text elements as the parser does, so that a closing tag hidden
 * there cannot lower the estimate; `<div/>` counts as an open tag, as it does in HTML.
 */
export function estimateDepth(html: string): number {
  const lower = html.toLowerCase();
  let depth = 0;
  let deepest = 0;
  let i = lower.indexOf('<');
  while (i !== -1 && i < lower.length) {
    if (lower.startsWith('<!--', i)) {
      const end = lower.indexOf('-->', i + 4);
      i = end === -1 ? -1 : lower.indexOf('<', end + 3);
      continue;
    }
    const close = lower[i + 1] === '/';
    const nameStart = close ? i + 2 : i + 1;
    const first = lower.charCodeAt(nameStart);
    if (!(first >= 0x61 && first <= 0x7a)) {
      // `<!doctype …>`, `<?…>` and a `<` that opens no tag.
      i = lower.indexOf('<', i + 1);
      continue;
    }
    let j = nameStart;
    while (j < lower.length && !/[\s/>]/.test(lower[j]!)) j++;
    const name = lower.slice(nameStart, j);
    // Skip the attributes, quoted values whole, to the end of the tag.
    while (j < lower.length && lower[j] !== '>') {
      const quote = lower[j];
      if (quote === '"' || quote === "'") {
        const end = lower.indexOf(quote, j + 1);
        j = end === -1 ? lower.length : end + 1;
      } else j++;
    }
    if (!NOT_NESTING.has(name)) {
      if (close) depth = Math.max(0, depth - 1);
      else deepest = Math.max(deepest, ++depth);
    }
    if (!close && RAW_TEXT.has(name)) {
      const end = lower.indexOf(`</${name}`, j);
      if (end === -1) break;
      j = end;
      i = j;
      continue;
    }
    i = lower.indexOf('<', j);
  }
  return deepest;
}

const options = (ellipsis: string): HtmlToTextOptions => ({
  wordwrap: false,
  limits: {
    maxInputLength: undefined,
    maxDepth: MAX_HTML_DEPTH,
    maxChildNodes: undefined,
    ellipsis,
  },
  selectors: [
    { selector: 'a', options: { ignoreHref: true } },
    ...skip.map((selector) => ({ selector, format: 'skip' })),
    ...headings,
  ],
});

export const htmlToText: Sanitiser = {
  name: 'html-to-text',
  version: '1',
  accepts: ['text/html'],
  output: () => 'text/plain',
  async run(input, type, limits) {
    checkAccepted(htmlToText, type);
    checkBytes('html-to-text', 'input', input, limits);
    const html = decodeUtf8('html-to-text', input);
    const estimate = estimateDepth(html);
    if (estimate > 4 * MAX_HTML_DEPTH) {
      throw sanitiserError(
        'html-to-text',
        'SANITISER_FAILED',
        `The HTML nests elements about ${estimate} levels deep, over the limit of ${MAX_HTML_DEPTH}; html-to-text refuses it rather than cut it.`,
        { maxDepth: MAX_HTML_DEPTH },
      );
    }
    // html-to-text marks what it cut beyond MAX_HTML_DEPTH with the ellipsis: an unguessable one
    // tells us, and the whole input is then refused rather than delivered cut.
    const cut = `[cut-${randomUUID()}]`;
    let text: string;
    try {
      text = convert(html, options(cut));
    } catch (error) {
      // e.g. a stack overflow on absurdly deep nesting: refused, never half-converted.
      throw sanitiserError(
        'html-to-text',
        'SANITISER_FAILED',
        `The HTML could not be converted to text: ${error instanceof Error ? error.message : String(error)}.`,
      );
    }
    if (text.includes(cut)) {
      throw sanitiserError(
        'html-to-text',
        'SANITISER_FAILED',
        `The HTML nests elements deeper than ${MAX_HTML_DEPTH} levels; html-to-text refuses it rather than cut it.`,
        { maxDepth: MAX_HTML_DEPTH },
      );
    }
    const output = new TextEncoder().encode(normaliseText(text));
    checkBytes('html-to-text', 'output', output, limits);
    return output;
  },
};
