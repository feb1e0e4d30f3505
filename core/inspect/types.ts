// The MIME types Cloison can recognise from bytes, and how a rule's type pattern matches one.
// Pure data and string logic (no I/O): the configuration validator imports it to refuse rules that
// name types detection can never produce; the broker uses `mimeMatches` to match detected types.
import { supportedMimeTypes } from 'file-type';

/** Lower-cased, parameters (`; codecs=…`) dropped: `Video/MP1S` → `video/mp1s`. */
export function normaliseMime(type: string): string {
  const semicolon = type.indexOf(';');
  return (semicolon === -1 ? type : type.slice(0, semicolon)).trim().toLowerCase();
}

/**
 * Every type `detectType` can return: file-type's binary formats, plus the text types found by
 * Cloison's own text detection and `application/octet-stream` for anything unrecognised.
 */
export const knownTypes: ReadonlySet<string> = new Set([
  ...[...supportedMimeTypes].map(normaliseMime),
  'text/plain',
  'text/html',
  'application/octet-stream',
]);

/** The top-level types (`image`, `text`, …) of the known types. */
export const knownTopLevelTypes: ReadonlySet<string> = new Set(
  [...knownTypes].map((type) => type.slice(0, type.indexOf('/'))),
);

/** True for a type detection can produce (case-insensitive, parameters ignored). */
export function isKnownType(type: string): boolean {
  return knownTypes.has(normaliseMime(type));
}

/**
 * True for a rule pattern that can match something detection produces: a known type, `top/*` with
 * a known top-level type (`image/*`), or `*\/*`.
 */
export function isKnownTypePattern(pattern: string): boolean {
  const normal = normaliseMime(pattern);
  if (normal === '*/*') return true;
  if (normal.endsWith('/*')) return knownTopLevelTypes.has(normal.slice(0, -2));
  return knownTypes.has(normal);
}

/**
 * Does a rule's type pattern match a (detected or declared) type? Exact (`text/plain`), a wildcard
 * over the top-level type (`text/*`), or everything (`*\/*`). Both sides are compared lower-cased
 * and without parameters, so `Text/Plain; charset=utf-8` matches `text/plain`. A type that is not
 * of the form `top/sub` matches only `*\/*`.
 */
export function mimeMatches(pattern: string, type: string): boolean {
  const p = normaliseMime(pattern);
  const t = normaliseMime(type);
  if (p === '*/*') return true;
  const slash = t.indexOf('/');
  if (slash <= 0 || slash === t.length - 1) return false;
  if (p.endsWith('/*')) return t.slice(0, slash) === p.slice(0, -2);
  return p === t;
}
