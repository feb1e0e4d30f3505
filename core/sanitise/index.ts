// The sanitisers the broker runs on untrusted content before it crosses to another level: the
// registry of implementations, one per name of the catalogue, and the single entry point.
import { normaliseMime } from '../inspect/types.js';
import { isSanitiserName, sanitiserCatalogue, type SanitiserName } from './catalogue.js';
import { htmlToText } from './html-to-text.js';
import { imageReencode } from './image-reencode.js';
import { officeToPdf } from './office-to-pdf.js';
import { pdfRasterise } from './pdf-rasterise.js';
import { plainText } from './plain-text.js';
import {
  sanitiserError,
  type SanitiseContext,
  type SanitiseLimits,
  type Sanitiser,
} from './sanitiser.js';
import { CloisonError } from '../contract/errors.js';

export type {
  DocumentLimits,
  SanitiseContext,
  SanitiseLimits,
  SanitiseProgress,
  Sanitiser,
} from './sanitiser.js';
export { DEFAULT_DOCUMENT_LIMITS } from './sanitiser.js';
export { sanitiserCatalogue, isSanitiserName, type SanitiserName } from './catalogue.js';
export { normaliseText } from './plain-text.js';

export const sanitisers: ReadonlyMap<SanitiserName, Sanitiser> = new Map<SanitiserName, Sanitiser>(
  [plainText, htmlToText, imageReencode, pdfRasterise, officeToPdf].map((sanitiser) => [
    sanitiser.name,
    sanitiser,
  ]),
);

// Every name of the catalogue has an implementation that accepts the same types and produces
// only the types the catalogue says.
for (const name of Object.keys(sanitiserCatalogue) as SanitiserName[]) {
  const sanitiser = sanitisers.get(name);
  const spec: { accepts: readonly string[]; produces: readonly string[] } =
    sanitiserCatalogue[name];
  if (
    !sanitiser ||
    sanitiser.accepts.join() !== spec.accepts.join() ||
    !sanitiser.accepts.every((type) => spec.produces.includes(sanitiser.output(type)))
  ) {
    throw new Error(`The sanitiser ${name} does not match its catalogue entry.`);
  }
}

export interface SanitisedContent {
  bytes: Uint8Array;
  /** The output's type. */
  type: string;
  /** The sanitiser's version, for the audit log. */
  version: string;
}

/**
 * Runs the sanitiser a rule names on `input` of detected type `type`. Throws a CloisonError
 * (TOO_LARGE, BAD_CONTENT or SANITISER_FAILED, with `{ sanitiser }` in its details) when the
 * content cannot cross; any other failure is wrapped as SANITISER_FAILED, never half-delivered.
 */
export async function runSanitiser(
  name: string,
  input: Uint8Array,
  type: string,
  limits: SanitiseLimits,
  context?: SanitiseContext,
): Promise<SanitisedContent> {
  if (!isSanitiserName(name)) {
    throw new CloisonError('SANITISER_FAILED', `There is no sanitiser named "${name}".`, {
      sanitiser: name,
    });
  }
  const sanitiser = sanitisers.get(name)!;
  const normal = normaliseMime(type);
  try {
    const bytes = await sanitiser.run(input, normal, limits, context);
    return { bytes, type: sanitiser.output(normal), version: sanitiser.version };
  } catch (error) {
    if (error instanceof CloisonError) throw error;
    throw sanitiserError(
      name,
      'SANITISER_FAILED',
      `${name} failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
