// The sanitisers the broker runs on untrusted content before it crosses to another level: the
// registry of implementations, one per name of the catalogue, and the single entry point.
import { normaliseMime } from '../inspect/types.js';
import { isSanitiserName, sanitiserCatalogue, type SanitiserName } from './catalogue.js';
import { htmlToText } from './html-to-text.js';
import { imageReencode } from './image-reencode.js';
import { plainText } from './plain-text.js';
import { sanitiserError, type SanitiseLimits, type Sanitiser } from './sanitiser.js';
import { CloisonError } from '../contract/errors.js';

export type { SanitiseLimits, Sanitiser } from './sanitiser.js';
export { sanitiserCatalogue, isSanitiserName, type SanitiserName } from './catalogue.js';
export { normaliseText } from './plain-text.js';

export const sanitisers: ReadonlyMap<SanitiserName, Sanitiser> = new Map<SanitiserName, Sanitiser>(
  [plainText, htmlToText, imageReencode].map((sanitiser) => [sanitiser.name, sanitiser]),
);

// Every name of the catalogue has an implementation that accepts the same types.
for (const name of Object.keys(sanitiserCatalogue) as SanitiserName[]) {
  const sanitiser = sanitisers.get(name);
  if (!sanitiser || sanitiser.accepts.join() !== sanitiserCatalogue[name].accepts.join()) {
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
): Promise<SanitisedContent> {
  if (!isSanitiserName(name)) {
    throw new CloisonError('SANITISER_FAILED', `There is no sanitiser named "${name}".`, {
      sanitiser: name,
    });
  }
  const sanitiser = sanitisers.get(name)!;
  const normal = normaliseMime(type);
  try {
    const bytes = await sanitiser.run(input, normal, limits);
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
