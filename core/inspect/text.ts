// Text detection over untrusted bytes from a source level: UTF-8 validation with byte offsets, NUL
// and control-character counting, in one pass that can be fed chunk by chunk (`TextValidator`) so
// that the broker can check a whole file that detection only saw the head of. No I/O.

/** What the text check found wrong, with the byte offset of the first offending byte. */
export interface TextProblem {
  offset: number;
  reason: string;
}

/** The result of checking bytes as text: `problem` is absent when they are text. */
export interface TextVerdict {
  text: boolean;
  problem?: TextProblem;
  /** Bytes examined. */
  bytes: number;
  /** Control characters found (C0 other than tab, LF, CR and form feed; DEL; C1). */
  controls: number;
}

/**
 * How many control characters text may hold: one per 100 bytes, plus one so that a short snippet
 * with a single stray escape is still text. Beyond that the bytes are treated as binary.
 */
export function controlBudget(bytes: number): number {
  return 1 + Math.floor(bytes / 100);
}

/**
 * Streaming text check: valid UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF), no NUL,
 * few control characters. Feed chunks with `push`, then call `end` (or `end({ prefix: true })` when
 * the bytes stop at an arbitrary point of a longer stream, so that a sequence cut by the end is
 * not held against them). After the first problem the validator stops looking and keeps it.
 *
 * The file copier feeds every chunk of a file detected as text, so a file whose head is text but
 * whose tail is binary is refused before delivery.
 */
export class TextValidator {
  #offset = 0;
  /** Continuation bytes still expected by the current sequence. */
  #need = 0;
  /** Offset of the lead byte of the current multi-byte sequence. */
  #start = 0;
  /** Bounds for the next continuation byte (narrowed after some lead bytes). */
  #lower = 0x80;
  #upper = 0xbf;
  /** Code point decoded so far, to spot C1 controls (U+0080–U+009F). */
  #codePoint = 0;
  #controls = 0;
  #problem: TextProblem | undefined;

  /** Examines the next chunk. Returns false once a problem was found (further chunks are ignored). */
  push(chunk: Uint8Array): boolean {
    if (this.#problem) return false;
    const base = this.#offset;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (this.#need === 0) {
        if (byte < 0x80) {
          if (byte === 0) return this.#fail(base + i, 'a NUL byte');
          if (
            (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x0c) ||
            byte === 0x7f
          ) {
            this.#controls++;
          }
          continue;
        }
        this.#start = base + i;
        this.#lower = 0x80;
        this.#upper = 0xbf;
        if (byte >= 0xc2 && byte <= 0xdf) {
          this.#need = 1;
          this.#codePoint = byte & 0x1f;
        } else if (byte >= 0xe0 && byte <= 0xef) {
          this.#need = 2;
          this.#codePoint = byte & 0x0f;
          if (byte === 0xe0) this.#lower = 0xa0; // overlong
          if (byte === 0xed) this.#upper = 0x9f; // UTF-16 surrogates
        } else if (byte >= 0xf0 && byte <= 0xf4) {
          this.#need = 3;
          this.#codePoint = byte & 0x07;
          if (byte === 0xf0) this.#lower = 0x90; // overlong
          if (byte === 0xf4) this.#upper = 0x8f; // above U+10FFFF
        } else {
          return this.#fail(base + i, 'an invalid UTF-8 sequence');
        }
        continue;
      }
      if (byte < this.#lower || byte > this.#upper) {
        return this.#fail(this.#start, 'an invalid UTF-8 sequence');
      }
      this.#lower = 0x80;
      this.#upper = 0xbf;
      this.#codePoint = (this.#codePoint << 6) | (byte & 0x3f);
      this.#need--;
      if (this.#need === 0 && this.#codePoint >= 0x80 && this.#codePoint <= 0x9f) this.#controls++;
    }
    this.#offset += chunk.length;
    return true;
  }

  /**
   * The verdict on everything pushed. With `prefix`, a multi-byte sequence cut by the end is
   * accepted (the bytes are the head of something longer); without it, it is a problem.
   */
  end(options: { prefix?: boolean } = {}): TextVerdict {
    const bytes = this.#problem ? this.#problem.offset : this.#offset;
    if (!this.#problem && this.#need > 0 && !options.prefix) {
      this.#problem = { offset: this.#start, reason: 'a UTF-8 sequence cut short by the end' };
    }
    if (!this.#problem && this.#controls > controlBudget(this.#offset)) {
      this.#problem = {
        offset: 0,
        reason: `${this.#controls} control characters in ${this.#offset} bytes, more than text holds`,
      };
    }
    const verdict: TextVerdict = { text: !this.#problem, bytes, controls: this.#controls };
    if (this.#problem) verdict.problem = { ...this.#problem };
    return verdict;
  }

  #fail(offset: number, reason: string): false {
    this.#problem = { offset, reason };
    return false;
  }
}

/** Checks bytes as text in one call; see `TextValidator`. */
export function checkText(bytes: Uint8Array, options: { prefix?: boolean } = {}): TextVerdict {
  const validator = new TextValidator();
  validator.push(bytes);
  return validator.end(options);
}

/**
 * The byte offset of the first invalid UTF-8 sequence, or undefined when the bytes are valid UTF-8
 * (NUL and control characters are valid UTF-8 here: this is about encoding only).
 */
export function firstInvalidUtf8(bytes: Uint8Array): number | undefined {
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const byte = bytes[i]!;
    if (byte < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lower = 0x80;
    let upper = 0xbf;
    if (byte >= 0xc2 && byte <= 0xdf) need = 1;
    else if (byte >= 0xe0 && byte <= 0xef) {
      need = 2;
      if (byte === 0xe0) lower = 0xa0;
      if (byte === 0xed) upper = 0x9f;
    } else if (byte >= 0xf0 && byte <= 0xf4) {
      need = 3;
      if (byte === 0xf0) lower = 0x90;
      if (byte === 0xf4) upper = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const next = bytes[i + k];
      if (next === undefined || next < lower || next > upper) return i;
      lower = 0x80;
      upper = 0xbf;
    }
    i += need + 1;
  }
  return undefined;
}

/**
 * Does decoded text look like an HTML document? Deliberately conservative: after an optional BOM,
 * white space and comments, the text must open with `<!doctype html`, or with one of the tags that
 * only start a document or a browser's clipboard HTML (`<html`, `<head`, `<body`, `<meta`). A
 * fragment such as `<b>bold</b>` stays text/plain: its markup then crosses as visible characters,
 * which is harmless, whereas calling prose HTML would let html-to-text reshape it.
 */
export function looksLikeHtml(text: string): boolean {
  let rest = text.replace(/^\uFEFF/, '');
  for (;;) {
    rest = rest.replace(/^[\t\n\f\r ]+/, '');
    if (!rest.startsWith('<!--')) break;
    const close = rest.indexOf('-->', 4);
    if (close === -1) return false;
    rest = rest.slice(close + 3);
  }
  return /^(<!doctype\s+html[\s>]|<(html|head|body|meta)[\s/>])/i.test(rest);
}
