// The name a sanitised file is delivered under: named for what it is now (report.docx made a PDF by
// office-to-pdf lands as report.pdf), never for what it was. Pure; the name is already a safe one
// (core/files/names.ts), and the result stays safe.
import { withExtension } from '../files/names.js';
import { extensionOf } from '../inspect/mismatch.js';
import { typesForExtension } from '../inspect/extensions.js';
import { normaliseMime } from '../inspect/types.js';

/** The extension a sanitiser's output type gets when its name must change. */
const EXTENSION_FOR: Readonly<Record<string, string>> = {
  'application/pdf': 'pdf',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'text/plain': 'txt',
};

/**
 * Extensions under which plain text is only read: the one way a text output keeps its name. Any
 * other that detection calls text (.html, .svg, .js, .sh, .py, .desktop, …) would have the text
 * opened as what it names, a page that runs its scripts, a program; such a name gets `.txt`.
 */
const INERT_TEXT = new Set([
  'txt',
  'text',
  'log',
  'md',
  'markdown',
  'rst',
  'csv',
  'tsv',
  'json',
  'yaml',
  'yml',
  'toml',
  'ini',
  'conf',
]);

/**
 * The name for the output of type `outputType` made from `name` (detected as `inputType`), or
 * undefined when `name` already says what it is: its extension announces the output's type (and
 * not the type it had before), or the sanitiser kept the type and no extension says another
 * (plain-text on notes.csv or README). A known extension is replaced (report.docx → report.pdf,
 * photo.gif → photo.png, a JPEG named photo.png → photo.jpg), an unknown one kept and followed by
 * the new one (minutes.v2 → minutes.v2.pdf), a name without one gets one (scan → scan.pdf).
 */
export function sanitisedName(
  name: string,
  inputType: string,
  outputType: string,
): string | undefined {
  const output = normaliseMime(outputType);
  const extension = extensionOf(name);
  const announced = extension === undefined ? undefined : typesForExtension(extension);
  const input = normaliseMime(inputType);
  // Text is kept under no name that would have it run or rendered (notes.html that is "text"),
  // a name that is only an extension included (`.html`, which file managers and browsers read so).
  const base = name.slice(name.lastIndexOf('/') + 1);
  const dotName =
    extension === undefined && /^\.[^.]+$/.test(base) ? base.slice(1).toLowerCase() : undefined;
  if (output === 'text/plain' && dotName !== undefined && !INERT_TEXT.has(dotName))
    return withExtension(name, 'txt', false);
  if (output === 'text/plain' && extension !== undefined && !INERT_TEXT.has(extension))
    return withExtension(name, 'txt', announced !== undefined && announced.length > 0);
  // Kept when the extension says the output's type, unless it said the input's, which changed
  // (page.html made text: .html announces text/plain too, yet the file is no longer HTML).
  if (announced?.includes(output) && (input === output || !announced.includes(input)))
    return undefined;
  // Same type, and no extension that says otherwise: nothing to correct (plain-text on README).
  if (input === output && (announced === undefined || announced.length === 0)) return undefined;
  const wanted = EXTENSION_FOR[output];
  if (wanted === undefined) return undefined;
  return withExtension(name, wanted, announced !== undefined && announced.length > 0);
}
