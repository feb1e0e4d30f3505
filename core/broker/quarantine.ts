// The quarantine step of a file transfer: under a rule with `quarantine`, the original of every file
// a sanitiser replaces is kept in the source level's own `Quarantine/` folder before anything
// crosses. Trust boundary: the source home is written by the source level's apps while this runs;
// the copy is made the way deliveries are (core/files/deliver.ts), and never leaves that level.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { deliverFiles, type SourceEntry } from '../files/index.js';

export const QUARANTINE_FOLDER = 'Quarantine';

export interface QuarantinePlaces {
  /** The source level's home: where the originals are, and where Quarantine/ is. */
  sourceHome: string;
  /** The source level's staging folder (the daemon's, on the home's file system). */
  stagingDir: string;
}

/**
 * Copies `entries` into `<source home>/Quarantine/` keeping their paths: each checked against the
 * digest it was inspected with, written to a temporary name, synced and linked to a free name
 * (`report (1).pdf` rather than replacing anything), never through a link, with names made safe,
 * owned by the home's owner. All or nothing. Returns where each landed, by source path, relative to
 * the source home (`Quarantine/report.pdf`).
 */
export async function keepOriginals(
  entries: { entry: SourceEntry; sha256: string }[],
  places: QuarantinePlaces,
): Promise<Map<string, string>> {
  const home = await stat(places.sourceHome);
  const owner = home.uid !== process.getuid?.() ? { uid: home.uid, gid: home.gid } : undefined;
  const kept = await deliverFiles(
    entries.map((e) => e.entry),
    {
      sourceHome: places.sourceHome,
      targetHome: places.sourceHome,
      targetDir: join(places.sourceHome, QUARANTINE_FOLDER),
      stagingDir: places.stagingDir,
      expected: new Map(entries.map((e) => [e.entry.relPath, e.sha256])),
      ...(owner ? { owner } : {}),
    },
  );
  return new Map(kept.map((d) => [d.relPath, d.deliveredAs]));
}
