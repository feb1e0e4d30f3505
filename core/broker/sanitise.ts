// The sanitise step: runs the sanitiser a rule names on content the broker holds in memory, within
// the broker's limits, and reports the digest of what will cross.
import type { BrokerSettings } from '../contract/config.js';
import { CloisonError } from '../contract/errors.js';
import type { ItemReport } from '../contract/methods.js';
import { runSanitiser } from '../sanitise/index.js';
import { sha256 } from './steps.js';

export async function sanitiseBytes(
  name: string,
  bytes: Uint8Array,
  type: string,
  settings: BrokerSettings,
): Promise<{ bytes: Uint8Array; type: string; report: NonNullable<ItemReport['sanitised']> }> {
  if (bytes.length > settings.sanitiserMaxBytes) {
    throw new CloisonError(
      'TOO_LARGE',
      `${bytes.length} bytes is over the limit of ${settings.sanitiserMaxBytes} bytes that sanitiser ${name} takes.`,
    );
  }
  const out = await runSanitiser(name, bytes, type, {
    maxBytes: settings.sanitiserMaxBytes,
    maxPixels: settings.imageMaxPixels,
  });
  return {
    bytes: out.bytes,
    type: out.type,
    report: {
      sanitiser: `${name}@${out.version}`,
      type: out.type,
      size: out.bytes.length,
      sha256: sha256(out.bytes),
    },
  };
}
