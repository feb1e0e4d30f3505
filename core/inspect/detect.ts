// Content type detection: the type of untrusted bytes from a source level, from the bytes alone and
// never from a name or a declared type. The broker applies rules to what this returns, so an
// unrecognised input is `application/octet-stream`, never a guess towards a more permissive type.
import { open, type FileHandle } from 'node:fs/promises';
import { fileTypeFromBuffer } from 'file-type';
import { checkText, looksLikeHtml } from './text.js';
import { normaliseMime } from './types.js';

export interface DetectedType {
  /** A known type (see `knownTypes`): lower case, without parameters. */
  type: string;
  /**
   * The bytes examined passed the text check: valid UTF-8, no NUL, few control characters. True
   * for text/plain and text/html; may also be true for text formats file-type names (XML, vCard…).
   */
  text: boolean;
}

export interface DetectOptions {
  /**
   * The bytes are the head of something longer: a UTF-8 sequence cut by the very end is accepted.
   * The text verdict then holds for the head only (see `detectFileType`).
   */
  prefix?: boolean;
}

/**
 * Detects the type of `bytes`: first the binary formats file-type knows by their signatures; then
 * text (valid UTF-8, no NUL, at most one control character per 100 bytes): `text/html` when it
 * clearly is an HTML document (see `looksLikeHtml`), else `text/plain`; anything else is
 * `application/octet-stream`. Empty input is `text/plain`: nothing in it is not text, and the
 * plain-text sanitiser delivers it as the empty text. Never throws on any input.
 */
export async function detectType(
  bytes: Uint8Array,
  options: DetectOptions = {},
): Promise<DetectedType> {
  const verdict = checkText(bytes, options);
  let signature: string | undefined;
  try {
    signature = (await fileTypeFromBuffer(bytes))?.mime;
  } catch {
    // A parser of file-type choking on hostile bytes means "no signature recognised".
    signature = undefined;
  }
  if (signature !== undefined) return { type: normaliseMime(signature), text: verdict.text };
  if (!verdict.text) return { type: 'application/octet-stream', text: false };
  return { type: looksLikeHtml(decodeHead(bytes)) ? 'text/html' : 'text/plain', text: true };
}

/** How much of a file `detectFileType` reads: enough for every signature file-type checks. */
export const FILE_HEAD_BYTES = 64 * 1024;

export interface DetectedFileType extends DetectedType {
  /** The file's size in bytes when it was read. */
  size: number;
  /**
   * True when only the first `FILE_HEAD_BYTES` were examined. `text` then speaks for the head
   * only: whoever delivers the file must check the rest, by running the plain-text sanitiser (which
   * reads and validates all of it) or by feeding every chunk it copies to a `TextValidator`, and
   * refuse the file if the tail is not text.
   */
  partial: boolean;
}

/**
 * Detects the type of a file from a bounded head (`FILE_HEAD_BYTES`), never from its name. Takes a
 * path, or a FileHandle the broker opened itself (e.g. without following links); a handle is read
 * from offset 0 and left open.
 */
export async function detectFileType(file: string | FileHandle): Promise<DetectedFileType> {
  const handle = typeof file === 'string' ? await open(file, 'r') : file;
  try {
    const { size } = await handle.stat();
    const head = new Uint8Array(Math.min(size, FILE_HEAD_BYTES));
    let filled = 0;
    while (filled < head.length) {
      const { bytesRead } = await handle.read(head, filled, head.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    const bytes = head.subarray(0, filled);
    const partial = size > filled;
    const detected = await detectType(bytes, { prefix: partial });
    return { ...detected, size, partial };
  } finally {
    if (typeof file === 'string') await handle.close();
  }
}

/** Decodes (leniently) enough of the start to recognise an HTML document. */
function decodeHead(bytes: Uint8Array): string {
  return new TextDecoder('utf-8').decode(bytes.subarray(0, 4096));
}
