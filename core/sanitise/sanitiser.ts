// What every sanitiser is, and the failures they share. Sanitisers parse untrusted bytes from a
// source level; what they return is what crosses to the target level.
//
// Errors, chosen once for all sanitisers:
// - TOO_LARGE: the input or the output is over `maxBytes`, or an image over `maxPixels`; refused
//   whole, never truncated.
// - BAD_CONTENT: the bytes are not what the type claims (invalid UTF-8 for text, a corrupt image,
//   a PNG that is really a JPEG).
// - SANITISER_FAILED: the sanitiser cannot or will not handle valid input (a type it does not
//   accept, an animated image), or broke on its own.
// Every error carries `{ sanitiser }` in its details.
import type { Account } from '../compartment/spawn.js';
import { CloisonError } from '../contract/errors.js';
import type { SanitiserName } from './catalogue.js';

export interface SanitiseLimits {
  /** Largest input and largest output, in bytes. */
  maxBytes: number;
  /** Largest image, in pixels (width × height), checked before decoding. */
  maxPixels: number;
  /** Documents and the throw-away compartments of every sanitiser that has one. */
  documents?: DocumentLimits;
}

export interface DocumentLimits {
  /** Resolution pages are rendered at. */
  dpi: number;
  /** Most pages of a document; more is refused before any is rendered. */
  maxPages: number;
  /** Largest page, in pixels at `dpi`. */
  maxPagePixels: number;
  /** Private writable memory of each process in a throw-away compartment. */
  memoryBytes: number;
  /** Longest a conversion may take, in seconds (each compartment, and its CPU time). */
  timeoutSeconds: number;
}

export const DEFAULT_DOCUMENT_LIMITS: DocumentLimits = {
  dpi: 150,
  maxPages: 1000,
  maxPagePixels: 25_000_000,
  memoryBytes: 1024 * 1024 * 1024,
  timeoutSeconds: 300,
};

/** One step of a long conversion, for the shell's progress bar and the CLI. */
export interface SanitiseProgress {
  sanitiser: SanitiserName;
  /** Pages rendered so far, of `total`. */
  done: number;
  total: number;
}

/** What a sanitiser needs from the broker to run its throw-away compartments. */
export interface SanitiseContext {
  /** The account compartments run as when the daemon is root. */
  account?: Account;
  /** Host folders every compartment must not see (configuration, state). */
  masked: string[];
  /** Host files hidden the same way (a configuration file right in /etc). */
  maskedFiles?: string[];
  onProgress?: (progress: SanitiseProgress) => void;
  /** Aborted: the transfer was cancelled; the compartments are killed and the run rejects. */
  signal?: AbortSignal;
}

export interface Sanitiser {
  name: SanitiserName;
  /** Recorded in audit entries with the name: changes whenever the output may change. */
  version: string;
  /** Exact MIME types accepted; the same list as the catalogue's. */
  accepts: readonly string[];
  /** The type of the output for an accepted input type. */
  output(type: string): string;
  run(
    input: Uint8Array,
    type: string,
    limits: SanitiseLimits,
    context?: SanitiseContext,
  ): Promise<Uint8Array>;
}

export function sanitiserError(
  sanitiser: SanitiserName,
  code: 'TOO_LARGE' | 'BAD_CONTENT' | 'SANITISER_FAILED',
  message: string,
  details: Record<string, unknown> = {},
): CloisonError {
  return new CloisonError(code, message, { ...details, sanitiser });
}

/** Refuses a buffer over the byte limit, whole. */
export function checkBytes(
  sanitiser: SanitiserName,
  what: 'input' | 'output',
  bytes: Uint8Array,
  limits: SanitiseLimits,
): void {
  if (bytes.length > limits.maxBytes) {
    throw sanitiserError(
      sanitiser,
      'TOO_LARGE',
      `The ${what} of ${sanitiser} is ${bytes.length} bytes, over the limit of ${limits.maxBytes} bytes.`,
      { bytes: bytes.length, maxBytes: limits.maxBytes },
    );
  }
}

/** Refuses a type the sanitiser does not accept. */
export function checkAccepted(sanitiser: Sanitiser, type: string): void {
  if (!sanitiser.accepts.includes(type)) {
    throw sanitiserError(
      sanitiser.name,
      'SANITISER_FAILED',
      `${sanitiser.name} takes ${sanitiser.accepts.join(', ')}, not ${type}.`,
      { type },
    );
  }
}
