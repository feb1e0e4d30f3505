// Safe file names for delivery: one path component from a (possibly hostile) source level becomes a
// name the target level can hold and a person can read. Trust boundary: the input is attacker-chosen
// text; the output is written into another level's home and shown in the trusted dialog.

/** Longest name Linux file systems accept, in bytes of UTF-8 (NAME_MAX). */
export const NAME_MAX_BYTES = 255;

/**
 * Hidden prefix of the broker's temporary files. A crash may leave one behind: it must never look
 * like a delivered file, and `cleanPartials` removes exactly these names at start-up.
 */
export const PARTIAL_PREFIX = '.cloison-partial-';

// C0 controls, DEL and C1 controls: they break terminals and log lines.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0001-\u001f\u007f-\u009f]/gu;
// Bidi controls (embeddings, overrides, isolates, marks) and line/paragraph separators: they let a
// name display differently from what it is ("invoice‮fdp.exe" showing as "invoiceexe.pdf").
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u2028\u2029]/gu;
// `/` would make one component several; NUL ends a C string. Both become `_`.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const SEPARATOR = /[/\u0000]/gu;
// Unpaired UTF-16 surrogates (no `u` flag: it would match pairs as one code point).
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
// Trailing dots and spaces: invisible in most listings, and refused by some file systems.
const TRAILING = /[. ]+$/u;
// Longest extension kept when shortening a long name ("….pdf" survives, a 200-byte "extension" not).
const MAX_EXTENSION_BYTES = 32;

const encoder = new TextEncoder();
const byteLength = (s: string): number => encoder.encode(s).length;

/** The longest prefix of `s` that fits in `max` bytes of UTF-8, never cutting a code point. */
function truncateBytes(s: string, max: number): string {
  let bytes = 0;
  let out = '';
  for (const ch of s) {
    const n = byteLength(ch);
    if (bytes + n > max) break;
    bytes += n;
    out += ch;
  }
  return out;
}

/** Splits `name` into stem and extension (with its dot); dot-files and long extensions have none. */
function splitExtension(name: string): [string, string] {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || dot === name.length - 1) return [name, ''];
  const ext = name.slice(dot);
  if (byteLength(ext) > MAX_EXTENSION_BYTES) return [name, ''];
  return [name.slice(0, dot), ext];
}

/** Fits `name` (already free of bad characters) in NAME_MAX_BYTES, keeping its extension. */
function fitBytes(name: string): string {
  if (byteLength(name) <= NAME_MAX_BYTES) return name;
  const [stem, ext] = splitExtension(name);
  return truncateBytes(stem, NAME_MAX_BYTES - byteLength(ext)) + ext;
}

/**
 * Makes ONE path component safe to create and to show. `changed` says, as a sentence, what was
 * changed; it is absent when the name is delivered as it is. Idempotent: a safe name stays as it is.
 */
export function safeName(name: string): { name: string; changed?: string } {
  const what: string[] = [];
  let s = name;

  // A lone surrogate cannot be written as UTF-8: it would land on disk as U+FFFD anyway.
  const wellFormed = s.replace(LONE_SURROGATE, '\ufffd');
  if (wellFormed !== s) what.push('replaced invalid UTF-16 with U+FFFD');
  s = wellFormed;

  const separated = s.replace(SEPARATOR, '_');
  if (separated !== s) what.push('replaced "/" and NUL characters with "_"');
  s = separated;

  const noControl = s.replace(CONTROL, '');
  if (noControl !== s) what.push('removed control characters');
  s = noControl;

  const noBidi = s.replace(BIDI, '');
  if (noBidi !== s) what.push('removed bidirectional control characters');
  s = noBidi;

  // After the removals: a removed control between a letter and its accent would otherwise leave a
  // decomposed pair behind.
  const nfc = s.normalize('NFC');
  if (nfc !== s) what.push('normalised to Unicode NFC');
  s = nfc;

  if (s === '.' || s === '..') {
    // "." and ".." name the folder itself or its parent: never a file to create.
    what.push(`replaced "${s}" (a reference to a folder, not a name) with "_"`);
    s = '_';
  }

  const trimmed = s.replace(TRAILING, '');
  if (trimmed !== s) what.push('removed trailing dots and spaces');
  s = trimmed;

  const fitted = fitBytes(s);
  if (fitted !== s) what.push(`shortened to ${NAME_MAX_BYTES} bytes`);
  // Shortening can leave trailing dots or spaces at the new end of a name without extension.
  s = fitted.replace(TRAILING, '');

  if (s.startsWith(PARTIAL_PREFIX)) {
    // Reserved for the broker's temporary files, which start-up cleaning deletes.
    what.push(`prefixed with "_" (names starting "${PARTIAL_PREFIX}" are reserved)`);
    s = fitBytes('_' + s).replace(TRAILING, '');
  }

  if (s === '') {
    what.push(name === '' ? 'gave the empty name "_"' : 'nothing was left, so it became "_"');
    s = '_';
  }

  if (what.length === 0) return { name: s };
  return { name: s, changed: `Name ${shown(name)} changed: ${what.join(', ')}.` };
}

/**
 * `name` (already safe) with the extension `extension` (no dot): in place of its own when `replace`,
 * else after it (`report.v2` → `report.v2.pdf`); still within NAME_MAX_BYTES, the stem giving way.
 */
export function withExtension(name: string, extension: string, replace: boolean): string {
  const [stem, ext] = splitExtension(name);
  const base = replace && ext !== '' ? stem : name;
  const suffix = `.${extension}`;
  return truncateBytes(base, NAME_MAX_BYTES - byteLength(suffix)) + suffix;
}

/**
 * The name for the n-th attempt after a collision: `report (1).pdf`, `report (2).pdf`, …; still
 * within NAME_MAX_BYTES (the stem gives way) and still safe.
 */
export function withCopyNumber(name: string, n: number): string {
  if (n === 0) return name;
  const [stem, ext] = splitExtension(name);
  const suffix = ` (${n})`;
  return truncateBytes(stem, NAME_MAX_BYTES - byteLength(suffix) - byteLength(ext)) + suffix + ext;
}

/**
 * A name quoted for messages and dialogs: control and bidi characters are shown as `\u{…}` escapes,
 * so that a hostile name cannot reorder or hide the text around it.
 */
export function shown(name: string): string {
  const escaped = name.replace(
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u2028\u2029"\\]/gu,
    (ch) => (ch === '"' || ch === '\\' ? '\\' + ch : `\\u{${ch.codePointAt(0)!.toString(16)}}`),
  );
  return `"${escaped}"`;
}
