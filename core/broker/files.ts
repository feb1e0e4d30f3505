// File transfers, the steps before delivery: inspect every scanned file from its bytes (type from
// a bounded head, SHA-256 and, for text, validity of the whole file in one streamed pass) and
// decide each against the rules. The file is opened without following links and must still be the
// file the scan saw.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { Config, Level } from '../contract/config.js';
import { CloisonError } from '../contract/errors.js';
import type { ItemReport, PreviewItem } from '../contract/methods.js';
import type { SourceEntry } from '../files/index.js';
import { detectFileType, extensionMismatch, TextValidator } from '../inspect/index.js';
import { decide } from '../policy/index.js';

export interface InspectedFile {
  entry: SourceEntry;
  report: ItemReport;
  sanitiser?: string;
  /** Its rule keeps the original in the source level's Quarantine/ folder. */
  quarantine?: boolean;
}

const CHUNK = 1024 * 1024;

export async function inspectFile(
  home: string,
  entry: SourceEntry,
  config: Config,
  from: Level,
  to: Level,
): Promise<InspectedFile> {
  // O_NOFOLLOW: a link planted after the scan is refused, never followed.
  const handle = await open(
    join(home, entry.relPath),
    constants.O_RDONLY | constants.O_NOFOLLOW,
  ).catch((err: NodeJS.ErrnoException) => {
    throw new CloisonError(
      'BAD_PATH',
      `"${entry.relPath}" cannot be opened: ${err.code ?? err.message}.`,
    );
  });
  try {
    const stat = await handle.stat();
    if (!stat.isFile() || stat.ino !== entry.ino || stat.dev !== entry.dev) {
      throw new CloisonError(
        'BAD_CONTENT',
        `"${entry.relPath}" changed while it was being inspected.`,
      );
    }
    const detected = await detectFileType(handle);
    const hash = createHash('sha256');
    const text = detected.text ? new TextValidator() : undefined;
    const buffer = Buffer.alloc(CHUNK);
    let position = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, position);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      hash.update(chunk);
      text?.push(chunk);
      position += bytesRead;
    }
    let type = detected.type;
    // Detection saw only the head; a "text" file whose tail is not text is binary.
    if (text && !text.end().text) type = 'application/octet-stream';
    const typeMismatch = extensionMismatch(entry.relPath, type);
    const { decision, rule } = decide(config, {
      kind: 'file',
      from: from.id,
      to: to.id,
      type,
      size: position,
    });
    const report: ItemReport = {
      name: entry.relPath,
      type,
      size: position,
      sha256: hash.digest('hex'),
      decision,
      ...(typeMismatch ? { typeMismatch } : {}),
    };
    return {
      entry,
      report,
      ...(rule?.sanitise ? { sanitiser: rule.sanitise } : {}),
      ...(rule?.sanitise && rule.quarantine ? { quarantine: true } : {}),
    };
  } finally {
    await handle.close();
  }
}

/**
 * What the rules would say of a file, from its head and its size alone: a preview costs the same
 * for 3 GiB as for 3 KiB. The send itself reads the whole file (a text head over a binary tail is
 * binary then), so the preview can be more lenient than the send, never stricter.
 */
export async function previewFile(
  home: string,
  entry: SourceEntry,
  config: Config,
  from: Level,
  to: Level,
): Promise<PreviewItem> {
  const handle = await open(
    join(home, entry.relPath),
    constants.O_RDONLY | constants.O_NOFOLLOW,
  ).catch((err: NodeJS.ErrnoException) => {
    throw new CloisonError(
      'BAD_PATH',
      `"${entry.relPath}" cannot be opened: ${err.code ?? err.message}.`,
    );
  });
  try {
    const detected = await detectFileType(handle);
    const typeMismatch = extensionMismatch(entry.relPath, detected.type);
    const { decision } = decide(config, {
      kind: 'file',
      from: from.id,
      to: to.id,
      type: detected.type,
      size: detected.size,
    });
    return {
      name: entry.relPath,
      type: detected.type,
      size: detected.size,
      decision,
      ...(typeMismatch ? { typeMismatch } : {}),
      ...(detected.partial && detected.text ? { checkedWhole: false } : {}),
    };
  } finally {
    await handle.close();
  }
}
