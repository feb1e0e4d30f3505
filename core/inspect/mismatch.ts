// Whether a file name's extension contradicts the type detected from the bytes. Names come from an
// untrusted level: the sentence is reported to people (transfer dialog, audit log); it never
// decides anything, since the rules apply to the detected type only.
import { typesForExtension } from './extensions.js';
import { normaliseMime } from './types.js';

/**
 * The extension of a file name (the last path component), as the tables key it: `tar.gz` for a
 * double extension file-type names, else the last one lower-cased. Undefined when there is none
 * (`README`, `.bashrc`, `name.`).
 */
export function extensionOf(name: string): string | undefined {
  const base = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  const lower = base.toLowerCase();
  if (lower.endsWith('.tar.gz') && lower.length > '.tar.gz'.length) return 'tar.gz';
  const dot = base.lastIndexOf('.');
  if (dot <= 0 || dot === base.length - 1) return undefined;
  const extension = base.slice(dot + 1);
  // file-type's only upper-case extension is `Z` (compress); `.z` is another format's.
  return extension === 'Z' ? 'Z' : extension.toLowerCase();
}

/**
 * A sentence when the name's extension announces a type that the detected type contradicts, e.g.
 * "the name says .pdf (application/pdf) but the bytes are image/png"; undefined when they agree,
 * when the name has no extension, or when the extension is one Cloison has no type for.
 */
export function extensionMismatch(name: string, type: string): string | undefined {
  const extension = extensionOf(name);
  if (extension === undefined) return undefined;
  const announced = typesForExtension(extension);
  if (announced === undefined || announced.length === 0) return undefined;
  const detected = normaliseMime(type);
  if (announced.includes(detected)) return undefined;
  return `the name says .${extension} (${announced[0]}) but the bytes are ${detected}`;
}
