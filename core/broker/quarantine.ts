// The quarantine step of a file transfer: under a rule with `quarantine`, the original of every file
// a sanitiser replaced is kept in the source level's own `Quarantine/` folder, once its sanitised
// output is staged and before anything crosses. Trust boundary: the source home is written by the
// source level's apps while this runs; the copy is made the way deliveries are
// (core/files/deliver.ts), and never leaves that level.
//
// What it keeps, and why no more: only originals of a request that is about to be delivered, each
// within the sanitiser's byte limit (the broker refuses a larger file before anything is copied). A
// refused file, or any file of a refused request, is not kept: it is still where it was in the
// source level (a refused move removes nothing), and copying it would only spend that level's disk.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CloisonError } from '../contract/errors.js';
import { deliverFiles, shown, type SourceEntry } from '../files/index.js';

export const QUARANTINE_FOLDER = 'Quarantine';

export interface QuarantinePlaces {
  /** The source level's home: where the originals are, and where Quarantine/ is. */
  sourceHome: string;
  /** The source level's staging folder (the daemon's, on the home's file system). */
  stagingDir: string;
}

export interface Kept {
  /** Where each original landed, by source path, relative to the source home. */
  places: Map<string, string>;
  /** Removes the copies again (the request failed after they were made). */
  undo(): Promise<void>;
}

/**
 * Copies `entries` into `<source home>/Quarantine/` keeping their paths: each checked against the
 * digest it was inspected with, written to a temporary name, synced and linked to a free name
 * (`report (1).pdf` rather than replacing anything), never through a link, with names made safe,
 * owned by the home's owner. All or nothing: a full disk leaves no copy and no partial file.
 * Errors read "The original could not be kept in Quarantine/: …".
 */
export async function keepOriginals(
  entries: { entry: SourceEntry; sha256: string }[],
  places: QuarantinePlaces,
): Promise<Kept> {
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
      targetIs: 'source',
    },
  ).catch((err: unknown) => {
    throw notKept(err);
  });
  return {
    places: new Map(kept.map((d) => [d.relPath, d.deliveredAs])),
    undo: () => kept.undo(),
  };
}

function notKept(err: unknown): CloisonError {
  const error = err instanceof CloisonError ? err : new CloisonError('INTERNAL', String(err));
  // Not `path`: the broker would take it for the file that refused the request.
  const { path, ...details } = error.details;
  const full = details.errno === 'ENOSPC' || details.errno === 'EDQUOT';
  const why = full
    ? `the source level's disk is full${typeof path === 'string' ? ` (${shown(path)} did not fit)` : ''}, so nothing was delivered.`
    : error.message;
  return new CloisonError(
    error.code,
    `The original could not be kept in ${QUARANTINE_FOLDER}/: ${why}`,
    { ...details, quarantine: true },
  );
}
