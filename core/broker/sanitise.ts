// The sanitise step: runs the sanitiser a rule names on content the broker holds in memory, within
// the broker's limits, and reports the digest of what will cross. Sanitisers that parse complex
// formats run their parsers in throw-away compartments, as the account and with the folders hidden
// that `sanitiseContext` gives them.
import { dirname, join } from 'node:path';
import type { LoadedConfig } from '../config/index.js';
import { compartmentAccount } from '../compartment/account.js';
import { SYSTEM_FOLDERS } from '../compartment/sandbox.js';
import { maskedFolders } from '../compartment/throwaway.js';
import type { BrokerSettings } from '../contract/config.js';
import { CloisonError } from '../contract/errors.js';
import type { ItemReport } from '../contract/methods.js';
import {
  isSanitiserName,
  runSanitiser,
  sanitiserCatalogue,
  type SanitiseContext,
} from '../sanitise/index.js';
import { ConversionQueue, DEFAULT_PARALLEL } from './conversions.js';
import { sha256 } from './steps.js';

/**
 * Where the broker's throw-away compartments run: as the compartments' unprivileged account when
 * the daemon is root, with the configuration, /etc/cloison and the state folder out of sight.
 */
export async function sanitiseContext(
  loaded: LoadedConfig,
  stateRoot: string,
  onProgress?: SanitiseContext['onProgress'],
): Promise<SanitiseContext> {
  const account = await compartmentAccount(loaded.config.broker.compartments.account);
  const [config, ...dropIns] = loaded.sources;
  const configDir = config ? dirname(config) : undefined;
  const masked = await maskedFolders([
    '/etc/cloison',
    ...(configDir ? [configDir, join(configDir, 'rules.d')] : []),
    ...dropIns.map((file) => dirname(file)),
    stateRoot,
  ]);
  // A configuration right in a system folder (/etc/cloison.yaml): the file itself is hidden.
  const maskedFiles = config && SYSTEM_FOLDERS.includes(configDir!) ? [config] : [];
  return {
    masked,
    maskedFiles,
    ...(account ? { account } : {}),
    ...(onProgress ? { onProgress } : {}),
  };
}

/** What the broker adds to a sanitiser's context: hearing that the run waits for a slot. */
export interface BrokerSanitiseContext extends SanitiseContext {
  /** How many conversions wait ahead of this one (0: next), while it waits. */
  onWaiting?: (ahead: number) => void;
  /** It has its slot (or needs none) and starts now. */
  onStart?: () => void;
}

/** Every conversion of this daemon process, whatever transfer asks: the cap is the machine's. */
export const conversions = new ConversionQueue();

export async function sanitiseBytes(
  name: string,
  bytes: Uint8Array,
  type: string,
  settings: BrokerSettings,
  context: BrokerSanitiseContext = { masked: [] },
): Promise<{ bytes: Uint8Array; type: string; report: NonNullable<ItemReport['sanitised']> }> {
  if (bytes.length > settings.sanitiserMaxBytes) {
    throw new CloisonError(
      'TOO_LARGE',
      `${bytes.length} bytes is over the limit of ${settings.sanitiserMaxBytes} bytes that sanitiser ${name} takes.`,
    );
  }
  const { onWaiting, onStart, ...sanitiserContext } = context;
  const run = () => {
    onStart?.();
    return runSanitiser(
      name,
      bytes,
      type,
      {
        maxBytes: settings.sanitiserMaxBytes,
        maxPixels: settings.imageMaxPixels,
        documents: settings.documents,
      },
      sanitiserContext,
    );
  };
  // Only sanitisers that start compartments take a slot: plain-text never waits behind a PDF.
  const out =
    isSanitiserName(name) && sanitiserCatalogue[name].compartment
      ? await conversions.run(settings.documents.parallel ?? DEFAULT_PARALLEL, run, {
          ...(onWaiting ? { onWaiting } : {}),
          ...(context.signal ? { signal: context.signal } : {}),
        })
      : await run();
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
