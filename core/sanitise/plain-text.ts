// The plain-text sanitiser: untrusted text from a source level, made safe to paste or open in the
// target level. Strict UTF-8 in, normalised UTF-8 out, idempotent.
//
// - Invalid UTF-8 is refused (BAD_CONTENT) with the byte offset of the first invalid sequence:
//   guessing an encoding or substituting U+FFFD would deliver something the user did not copy.
// - CRLF and lone CR become LF.
// - Control characters other than tab and LF are removed: C0 (NUL, ESC and the rest), DEL, C1
//   (U+0080–U+009F, including NEL). They drive terminals (escape sequences) and hide content.
// - Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) are removed,
//   not made visible: showing them would change the text anyway, and the threat is "Trojan Source"
//   reordering, where text reads differently from what it is. The implicit marks U+200E, U+200F
//   and U+061C are kept: they do not reorder a run, only resolve neutral characters, and right-to-
//   left text needs them (the same set rustc's `text_direction_codepoint` lints flag).
// - Leading byte order marks are removed; a U+FEFF elsewhere is kept (it is then a character).
// - Other invisible characters (zero-width space and joiners, U+2028/U+2029) are kept: emoji and
//   several scripts need the joiners, and none of them reorders text.
import { firstInvalidUtf8 } from '../inspect/text.js';
import { checkAccepted, checkBytes, sanitiserError, type Sanitiser } from './sanitiser.js';

// eslint-disable-next-line no-control-regex -- these are exactly the characters being removed
const CONTROLS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;

/** The normalisation of already decoded text; `normaliseText(normaliseText(s)) === normaliseText(s)`. */
export function normaliseText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(CONTROLS, '')
    .replace(BIDI_CONTROLS, '')
    .replace(/^\uFEFF+/, '');
}

/** Strict UTF-8 decoding; invalid input is refused naming the first invalid byte's offset. */
export function decodeUtf8(name: Sanitiser['name'], input: Uint8Array): string {
  try {
    // ignoreBOM: the BOM stays in the string, for normaliseText to remove like any leading one.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(input);
  } catch {
    const offset = firstInvalidUtf8(input) ?? 0;
    throw sanitiserError(
      name,
      'BAD_CONTENT',
      `The text is not valid UTF-8: the first invalid byte sequence is at byte offset ${offset}.`,
      { offset },
    );
  }
}

export const plainText: Sanitiser = {
  name: 'plain-text',
  version: '1',
  accepts: ['text/plain'],
  output: () => 'text/plain',
  async run(input, type, limits) {
    checkAccepted(plainText, type);
    checkBytes('plain-text', 'input', input, limits);
    const output = new TextEncoder().encode(normaliseText(decodeUtf8('plain-text', input)));
    checkBytes('plain-text', 'output', output, limits);
    return output;
  },
};
