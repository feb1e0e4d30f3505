// The html-to-text sanitiser: untrusted HTML from a source level reduced to the text a person saw,
// then normalised as plain-text. Nothing of the markup crosses: no tags, scripts, styles, URLs.
//
// Choices: link text is kept and link URLs are dropped (an href is not what the user saw, and it
// can carry tracking tokens or data); images are dropped, alt text included (it was not displayed);
// <head>, <script>, <style>, <template>, <noscript>, <svg>, <object> and <iframe> are skipped with
// their content; headings keep their case; lines are never wrapped; the input must be UTF-8 (a
// declared charset is ignored). html-to-text's own limits are lifted so that nothing is silently
// truncated: the byte limit is checked before parsing instead.
import { convert, type HtmlToTextOptions } from 'html-to-text';
import { normaliseText, decodeUtf8 } from './plain-text.js';
import { checkAccepted, checkBytes, sanitiserError, type Sanitiser } from './sanitiser.js';

const skip = ['head', 'script', 'style', 'template', 'noscript', 'img', 'svg', 'object', 'iframe'];
const headings = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({
  selector,
  options: { uppercase: false },
}));

const options: HtmlToTextOptions = {
  wordwrap: false,
  limits: { maxInputLength: undefined, maxDepth: undefined, maxChildNodes: undefined },
  selectors: [
    { selector: 'a', options: { ignoreHref: true } },
    ...skip.map((selector) => ({ selector, format: 'skip' })),
    ...headings,
  ],
};

export const htmlToText: Sanitiser = {
  name: 'html-to-text',
  version: '1',
  accepts: ['text/html'],
  output: () => 'text/plain',
  async run(input, type, limits) {
    checkAccepted(htmlToText, type);
    checkBytes('html-to-text', 'input', input, limits);
    const html = decodeUtf8('html-to-text', input);
    let text: string;
    try {
      text = convert(html, options);
    } catch (error) {
      // e.g. a stack overflow on absurdly deep nesting: refused, never half-converted.
      throw sanitiserError(
        'html-to-text',
        'SANITISER_FAILED',
        `The HTML could not be converted to text: ${error instanceof Error ? error.message : String(error)}.`,
      );
    }
    const output = new TextEncoder().encode(normaliseText(text));
    checkBytes('html-to-text', 'output', output, limits);
    return output;
  },
};
