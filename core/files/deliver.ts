// Delivery of scanned files from one level's home into another's `Incoming/<source level>/`, all or
// nothing, never replacing or following anything; removal of moved sources; start-up cleaning.
// Trust boundary: both homes are written by their levels' (possibly hostile) apps while this runs.
import { createHash, randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { CloisonError } from '../contract/errors.js';
import {
  at,
  closeAll,
  CREATE_FLAGS,
  DIR_FLAGS,
  errno,
  kindOf,
  lstatAt,
  openDirAt,
  openTrustedDir,
  READ_FLAGS,
  readdirAt,
  requireProcFd,
  sameFile,
  unchanged,
} from './at.js';
import { PARTIAL_PREFIX, shown, withCopyNumber } from './names.js';
import type { SourceEntry } from './scan.js';

/** One file as it landed. */
export interface Delivered {
  relPath: string;
  /** Where it landed, relative to the target home, `/`-separated (`Incoming/low/report.pdf`). */
  deliveredAs: string;
  /** Source bytes and their digest, computed while copying. */
  size: number;
  sha256: string;
  /** What was written (differs from the source when a sanitiser transformed it). */
  deliveredSize: number;
  deliveredSha256: string;
  /** Set when the delivered name differs from the source name, saying why. */
  renamed?: string;
}

/** What `deliverFiles` returns: the delivered files, and a way to take them back (see `undo`). */
export type Delivery = Delivered[] & {
  /**
   * Removes what this delivery created (files whose identity is unchanged, then its folders if
   * empty). For the caller whose next step fails before anyone may see the result, e.g. the audit.
   */
  undo(): Promise<void>;
};

export interface DeliverOptions {
  sourceHome: string;
  /** `<target home>/Incoming/<source level>`: created as needed, never through a link. */
  targetDir: string;
  /** The target home (trusted path); defaults to two folders above `targetDir`. */
  targetHome?: string;
  /** Digest (hex SHA-256) of each file as it was inspected, by relPath; a file that differs is refused. */
  expected?: Map<string, string>;
  /** A sanitiser: takes the whole source file, returns the bytes to deliver. */
  transform?: (entry: SourceEntry, bytes: Uint8Array) => Promise<Uint8Array>;
  /**
   * The name a transformed file is delivered under, asked once it is transformed (report.docx made
   * a PDF: report.pdf), with the sentence that says why; undefined keeps its name. Collisions are
   * then handled as for any name (`report (1).pdf`).
   */
  transformedName?: (
    entry: SourceEntry,
    wanted: string,
  ) => { name: string; note: string } | undefined;
  /** Which entries go through `transform` (default: all of them, when there is one). */
  needsTransform?: (entry: SourceEntry) => boolean;
  /** Largest source file read whole for `transform` (default 64 MiB); beyond it, TOO_LARGE. */
  maxTransformBytes?: number;
  /** Source bytes read so far, and in all. */
  onProgress?: (done: number, total: number) => void;
  /** Aborting removes what was delivered so far and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Mode of delivered files (default 0640) and created folders (default 0750). */
  fileMode?: number;
  dirMode?: number;
  /**
   * A folder of the daemon's own (never a level's), on the same file system as the target home.
   * When given, temporary files are written there, out of the target level's sight, and only
   * linked into the target home once every file is staged and `beforeVisible` has returned.
   */
  stagingDir?: string;
  /**
   * Called once every file is copied and synced, before any becomes visible in the target level:
   * the broker writes its audit entry here, so nothing is visible before it is audited. Throwing
   * removes everything staged. `planned` gives the names the files will take; a name that the
   * target level takes in the meantime gets a copy number, which the returned Delivery reports.
   */
  beforeVisible?: (planned: Delivered[]) => Promise<void>;
  /** Owner of what is created, when the daemon runs as root and the target level has its own account. */
  owner?: { uid: number; gid: number };
  /** Whose home the target is, as errors say it (default "target": quarantine writes the source's). */
  targetIs?: 'target' | 'source';
}

const CHUNK = 1024 * 1024;
const MAX_COPY_NUMBER = 10_000;

/**
 * Copies `entries` (from `scanSources`) into `targetDir`, all or nothing: on any failure every file
 * and folder this call created is removed before the error is thrown, so a request is delivered
 * whole or not at all. Each file is streamed (bounded memory, except through `transform`) into a
 * `.cloison-partial-*` temporary file, synced, then hard-linked to its final name, which fails
 * rather than replace anything (`name (1).ext` is tried next), and the folder is synced.
 */
export async function deliverFiles(
  entries: SourceEntry[],
  options: DeliverOptions,
): Promise<Delivery> {
  await requireProcFd();
  const targetHome = options.targetHome ?? path.dirname(path.dirname(options.targetDir));
  const below = path.relative(targetHome, options.targetDir);
  if (below === '' || below.startsWith('..') || path.isAbsolute(below)) {
    throw new CloisonError(
      'INTERNAL',
      `The delivery folder ${options.targetDir} is not inside the target home ${targetHome}.`,
    );
  }
  const run = new Run(options, targetHome, below.split(path.sep), entries);
  try {
    await run.openTarget();
    // Stage every file first (copied, checked, synced), then let the caller act (the audit),
    // then make them visible: a request is visible whole, and only once it was audited.
    const staged: Staged[] = [];
    for (const entry of entries) {
      options.signal?.throwIfAborted();
      staged.push(await run.stage(entry).catch((e: unknown) => explained(e, entry, options)));
    }
    await options.beforeVisible?.(staged.map((one) => one.planned));
    const delivered: Delivered[] = [];
    for (const one of staged) {
      delivered.push(
        await run.publish(one).catch((e: unknown) => explained(e, one.entry, options)),
      );
    }
    await run.close();
    const undo = run.undo.bind(run);
    return Object.assign(delivered, { undo });
  } catch (err) {
    await run.close();
    const notRemoved = await run.undo().then(
      () => [],
      (e: unknown) => (e instanceof CloisonError ? (e.details.notRemoved as string[]) : []),
    );
    if (err instanceof CloisonError && notRemoved.length > 0) err.details.notRemoved = notRemoved;
    throw err;
  }
}

function copyNote(parts: string[], wanted: string, name: string): string {
  return `${shown([...parts, wanted].join('/'))} already exists, so it was delivered as ${shown(name)}.`;
}

/** A file copied and synced under a temporary name, waiting to be given its final name. */
interface Staged {
  entry: SourceEntry;
  planned: Delivered;
  temp: string;
  stat: Stats;
  /** Its folder, from the target home. */
  parts: string[];
  wanted: string;
  /** The name planned for it (wanted, or a copy number if wanted was taken when it was staged). */
  name: string;
  notes: string[];
}

/** Something this delivery created, named from the target home, with the identity it had. */
interface Created {
  kind: 'file' | 'folder';
  parts: string[];
  dev: number;
  ino: number;
}

class Run {
  private readonly created: Created[] = [];
  /** Source folder (relPath) → the name this delivery created for it in its target parent. */
  private readonly folders = new Map<string, string>();
  private readonly buffer = Buffer.alloc(CHUNK);
  private target: FileHandle | undefined;
  /** The daemon's staging folder, when the caller gave one. */
  private staging: FileHandle | undefined;
  /** Temporary files not yet linked into place, removed on failure (dir: target folder parts). */
  private readonly temps: { dir: string[] | undefined; temp: string }[] = [];
  /** Names (from the target home) already given to files staged by this run. */
  private readonly planned = new Set<string>();
  private done = 0;
  private readonly total: number;

  constructor(
    private readonly options: DeliverOptions,
    private readonly targetHome: string,
    private readonly targetParts: string[],
    entries: SourceEntry[],
  ) {
    this.total = entries.reduce((n, e) => n + e.size, 0);
  }

  /** Opens (creating as needed) `Incoming/<source>` below the target home, refusing links. */
  async openTarget(): Promise<void> {
    let dir = await openTrustedDir(this.targetHome);
    const parts: string[] = [];
    try {
      for (const name of this.targetParts) {
        parts.push(name);
        let next: FileHandle | undefined;
        for (let attempt = 0; next === undefined; attempt++) {
          try {
            next = await openDirAt(dir, name);
          } catch (e) {
            if (errno(e) !== 'ENOENT' || attempt > 0) {
              const st = await lstatAt(dir, name).catch(() => undefined);
              throw new CloisonError(
                'BAD_PATH',
                `The ${this.options.targetIs ?? 'target'} level's ${shown(parts.join('/'))} is ${st ? kindOf(st) : 'not reachable'}, not a folder: the broker never follows links or replaces files in a level home, so nothing was delivered. Remove it, then send again.`,
                { path: parts.join('/') },
              );
            }
            await this.mkdirAt(dir, name, parts).catch((e2: unknown) => {
              if (errno(e2) !== 'EEXIST') throw e2;
            });
          }
        }
        await dir.close();
        dir = next;
      }
    } catch (e) {
      await dir.close();
      throw e;
    }
    this.target = dir;
    if (this.options.stagingDir !== undefined) {
      this.staging = await openTrustedDir(this.options.stagingDir);
    }
  }

  async close(): Promise<void> {
    await this.removeTemps();
    await closeAll([this.target, this.staging]);
    this.target = undefined;
    this.staging = undefined;
  }

  /** Removes temporary files that were staged but not published (a failure in between). */
  private async removeTemps(): Promise<void> {
    for (const { dir, temp } of this.temps.splice(0)) {
      if (dir === undefined) {
        if (this.staging) await fs.unlink(at(this.staging, temp)).catch(() => undefined);
        continue;
      }
      const folder = await this.walkFromTarget(dir.slice(this.targetParts.length)).catch(
        () => undefined,
      );
      if (folder === undefined) continue;
      await fs.unlink(at(folder, temp)).catch(() => undefined);
      if (folder !== this.target) await folder.close();
    }
  }

  /**
   * Copies one file into a temporary file (in the staging folder when there is one, else hidden in
   * its target folder), creating its target folders, and plans its final name.
   */
  async stage(entry: SourceEntry): Promise<Staged> {
    const notes: string[] = entry.renamed === undefined ? [] : [entry.renamed];
    const { dir, parts } = await this.openFolders(entry, notes);
    try {
      let wanted = entry.deliverPath[entry.deliverPath.length - 1]!;
      const copied = await this.copyToTemp(entry, this.staging ?? dir);
      this.temps.push({ dir: this.staging ? undefined : parts, temp: copied.temp });
      const renamed = copied.transformed
        ? this.options.transformedName?.(entry, wanted)
        : undefined;
      if (renamed !== undefined && renamed.name !== wanted) {
        wanted = renamed.name;
        notes.push(renamed.note);
      }
      const name = await this.freeName(dir, wanted, parts);
      this.planned.add([...parts, name].join('/'));
      const planned: Delivered = {
        relPath: entry.relPath,
        deliveredAs: [...parts, name].join('/'),
        size: copied.size,
        sha256: copied.sha256,
        deliveredSize: copied.deliveredSize,
        deliveredSha256: copied.deliveredSha256,
      };
      const plannedNotes = [...notes];
      if (name !== wanted) plannedNotes.push(copyNote(parts, wanted, name));
      if (plannedNotes.length > 0) planned.renamed = plannedNotes.join(' ');
      return { entry, planned, temp: copied.temp, stat: copied.stat, parts, wanted, name, notes };
    } finally {
      if (dir !== this.target) await dir.close();
    }
  }

  /** Gives a staged file its final name in the target level: from here on, it is visible. */
  async publish(one: Staged): Promise<Delivered> {
    const dir = await this.walkFromTarget(one.parts.slice(this.targetParts.length));
    try {
      const finalName = await this.linkNoReplace(dir, one.temp, one.name, one.parts, one.stat);
      const i = this.temps.findIndex((t) => t.temp === one.temp);
      if (i >= 0) this.temps.splice(i, 1);
      const notes = [...one.notes];
      if (finalName !== one.wanted) notes.push(copyNote(one.parts, one.wanted, finalName));
      const d: Delivered = { ...one.planned, deliveredAs: [...one.parts, finalName].join('/') };
      if (notes.length > 0) d.renamed = notes.join(' ');
      return d;
    } finally {
      if (dir !== this.target) await dir.close();
    }
  }

  /** The first of `wanted`, `wanted (1)`… that nothing in `dir` uses now nor this run planned. */
  private async freeName(dir: FileHandle, wanted: string, parts: string[]): Promise<string> {
    for (let n = 0; n <= MAX_COPY_NUMBER; n++) {
      const name = withCopyNumber(wanted, n);
      if (this.planned.has([...parts, name].join('/'))) continue;
      if ((await lstatAt(dir, name)) === undefined) return name;
    }
    throw new CloisonError(
      'BAD_PATH',
      `${shown([...parts, wanted].join('/'))} and ${MAX_COPY_NUMBER} numbered copies already exist in the target level: make room, then send again.`,
    );
  }

  /** Re-opens a folder below `Incoming/<source>` that this run created, never following links. */
  private async walkFromTarget(parts: string[]): Promise<FileHandle> {
    let dir = this.target!;
    try {
      for (const name of parts) {
        const next = await openDirAt(dir, name);
        if (dir !== this.target) await dir.close();
        dir = next;
      }
    } catch {
      if (dir !== this.target) await dir.close();
      throw new CloisonError(
        'BAD_PATH',
        `The folder ${shown([...this.targetParts, ...parts].join('/'))} was replaced by something else in the target level while files were being delivered into it.`,
      );
    }
    return dir;
  }

  /**
   * Opens the folder that receives `entry`, creating the folders of its deliverPath. Each source
   * folder gets a folder of its own, created by this call: an existing name gets a copy number, so a
   * request never merges into (or writes through) something that was already there.
   */
  private async openFolders(
    entry: SourceEntry,
    notes: string[],
  ): Promise<{ dir: FileHandle; parts: string[] }> {
    const parts = [...this.targetParts];
    const sourceDirs = sourceFolders(entry);
    let dir = this.target!;
    try {
      for (let i = 0; i < sourceDirs.length; i++) {
        const key = sourceDirs[i]!;
        const wanted = entry.deliverPath[i]!;
        let name = this.folders.get(key);
        if (name === undefined) {
          name = await this.mkdirNoReplace(dir, wanted, [...parts]);
          this.folders.set(key, name);
          if (name !== wanted) {
            notes.push(
              `${shown([...parts, wanted].join('/'))} already exists, so the folder was delivered as ${shown(name)}.`,
            );
          }
        }
        parts.push(name);
        const next = await openDirAt(dir, name).catch(() => {
          throw new CloisonError(
            'BAD_PATH',
            `The folder ${shown(parts.join('/'))} was replaced by something else in the target level while files were being delivered into it.`,
          );
        });
        if (dir !== this.target) await dir.close();
        dir = next;
      }
    } catch (e) {
      if (dir !== this.target) await dir.close();
      throw e;
    }
    return { dir, parts };
  }

  /** Streams (or transforms) the source into a new temporary file of `dir`, synced. */
  private async copyToTemp(
    entry: SourceEntry,
    dir: FileHandle,
  ): Promise<{
    temp: string;
    stat: Stats;
    size: number;
    sha256: string;
    deliveredSize: number;
    deliveredSha256: string;
    transformed: boolean;
  }> {
    const o = this.options;
    const { handle: src, stat: before } = await openSource(o.sourceHome, entry);
    // Hidden, recognisable name: a crash leaves something `cleanPartials` removes, never a file
    // that looks delivered. O_EXCL|O_NOFOLLOW: a name planted by the target level is never opened.
    const temp = PARTIAL_PREFIX + randomBytes(12).toString('hex');
    let out: FileHandle | undefined;
    let handedOver = false;
    try {
      out = await fs.open(at(dir, temp), CREATE_FLAGS, 0o600);
      const source = createHash('sha256');
      const written = createHash('sha256');
      let size = 0;
      let deliveredSize = 0;
      const transform =
        o.transform !== undefined && (o.needsTransform?.(entry) ?? true) ? o.transform : undefined;
      if (transform === undefined) {
        // Streamed through one reused buffer: memory stays bounded whatever the file's size.
        for (;;) {
          o.signal?.throwIfAborted();
          const { bytesRead } = await src.read(this.buffer, 0, CHUNK, size);
          if (bytesRead === 0) break;
          if (size + bytesRead > entry.size) throw changedWhileCopying(entry);
          const chunk = this.buffer.subarray(0, bytesRead);
          source.update(chunk);
          written.update(chunk);
          await writeAll(out, chunk);
          size += bytesRead;
          deliveredSize += bytesRead;
          this.progress(bytesRead);
        }
      } else {
        const max = o.maxTransformBytes ?? 64 * 1024 * 1024;
        if (entry.size > max) {
          throw new CloisonError(
            'TOO_LARGE',
            `${shown(entry.relPath)} is ${entry.size} bytes: its sanitiser reads files of at most ${max} bytes.`,
            { path: entry.relPath, size: entry.size, max },
          );
        }
        const whole = Buffer.alloc(entry.size);
        for (;;) {
          o.signal?.throwIfAborted();
          const want = Math.min(CHUNK, entry.size - size);
          // One byte past the end when full: tells a file that grew from one that is complete.
          const { bytesRead } =
            want > 0
              ? await src.read(whole, size, want, size)
              : await src.read(this.buffer, 0, 1, size);
          if (bytesRead === 0) break;
          if (want === 0) throw changedWhileCopying(entry);
          size += bytesRead;
          this.progress(bytesRead);
        }
        source.update(whole.subarray(0, size));
        let bytes: Uint8Array;
        try {
          bytes = await transform(entry, whole.subarray(0, size));
        } catch (e) {
          if (e instanceof CloisonError) throw e;
          throw new CloisonError(
            'SANITISER_FAILED',
            `The sanitiser could not process ${shown(entry.relPath)}: ${e instanceof Error ? e.message : String(e)}`,
            { path: entry.relPath },
          );
        }
        written.update(bytes);
        await writeAll(out, bytes);
        deliveredSize = bytes.length;
      }
      if (size !== entry.size) throw changedWhileCopying(entry);
      const after = await src.stat();
      if (!unchanged(after, before)) {
        throw changedWhileCopying(entry);
      }
      const sha256 = source.digest('hex');
      this.checkExpected(entry, sha256);
      if (o.owner !== undefined) await out.chown(o.owner.uid, o.owner.gid);
      await out.chmod(o.fileMode ?? 0o640);
      // Durable before it gets its name: a crash then leaves either nothing or the whole file.
      await out.sync();
      const stat = await out.stat();
      handedOver = true; // from here, linkNoReplace removes the temporary name
      return {
        temp,
        stat,
        size,
        sha256,
        deliveredSize,
        deliveredSha256: written.digest('hex'),
        transformed: transform !== undefined,
      };
    } finally {
      await closeAll([src, out]);
      if (!handedOver && out !== undefined) await fs.unlink(at(dir, temp)).catch(() => undefined);
    }
  }

  private checkExpected(entry: SourceEntry, sha256: string): void {
    const expected = this.options.expected;
    if (expected === undefined) return;
    const want = expected.get(entry.relPath);
    if (want === undefined) {
      // Fail closed: a file nobody inspected does not cross.
      throw new CloisonError(
        'BAD_CONTENT',
        `${shown(entry.relPath)} was not inspected, so it was not delivered.`,
        { path: entry.relPath },
      );
    }
    if (want !== sha256) {
      throw new CloisonError(
        'BAD_CONTENT',
        `${shown(entry.relPath)} changed since it was inspected (its SHA-256 is now ${sha256}, not ${want}), so nothing was delivered: send it again.`,
        { path: entry.relPath, expected: want, actual: sha256 },
      );
    }
  }

  /**
   * Gives the temporary file its final name with link(2), which fails with EEXIST rather than
   * replace an existing file (rename(2) would replace it), then removes the temporary name.
   */
  private async linkNoReplace(
    dir: FileHandle,
    temp: string,
    wanted: string,
    parts: string[],
    stat: Stats,
  ): Promise<string> {
    try {
      for (let n = 0; n <= MAX_COPY_NUMBER; n++) {
        const name = withCopyNumber(wanted, n);
        try {
          await fs.link(at(this.staging ?? dir, temp), at(dir, name));
        } catch (e) {
          if (errno(e) === 'EEXIST') continue;
          throw e;
        }
        this.created.push({ kind: 'file', parts: [...parts, name], dev: stat.dev, ino: stat.ino });
        return name;
      }
      throw new CloisonError(
        'BAD_PATH',
        `${shown([...parts, wanted].join('/'))} and ${MAX_COPY_NUMBER} numbered copies already exist in the target level: make room, then send again.`,
      );
    } finally {
      await fs.unlink(at(this.staging ?? dir, temp)).catch(() => undefined);
      await dir.sync();
    }
  }

  /** Creates a folder named `wanted` (or a numbered copy) in `dir`; returns the name used. */
  private async mkdirNoReplace(dir: FileHandle, wanted: string, parts: string[]): Promise<string> {
    for (let n = 0; n <= MAX_COPY_NUMBER; n++) {
      const name = withCopyNumber(wanted, n);
      try {
        await this.mkdirAt(dir, name, [...parts, name]);
        return name;
      } catch (e) {
        if (errno(e) !== 'EEXIST') throw e;
      }
    }
    throw new CloisonError(
      'BAD_PATH',
      `${shown([...parts, wanted].join('/'))} and ${MAX_COPY_NUMBER} numbered copies already exist in the target level: make room, then send again.`,
    );
  }

  /** mkdir in `dir` (never through a link: mkdir fails on any existing name), recorded, synced. */
  private async mkdirAt(dir: FileHandle, name: string, parts: string[]): Promise<void> {
    const o = this.options;
    await fs.mkdir(at(dir, name), { mode: o.dirMode ?? 0o750 });
    const h = await openDirAt(dir, name);
    try {
      const st = await h.stat();
      this.created.push({ kind: 'folder', parts: [...parts], dev: st.dev, ino: st.ino });
      if (o.owner !== undefined) await h.chown(o.owner.uid, o.owner.gid);
      // mkdir's mode is filtered by the umask; the chosen mode is applied as such.
      await h.chmod(o.dirMode ?? 0o750);
    } finally {
      await h.close();
    }
    await dir.sync();
  }

  private progress(n: number): void {
    this.done += n;
    this.options.onProgress?.(this.done, this.total);
  }

  /** Removes what this run created, newest first; throws INTERNAL naming what could not be. */
  async undo(): Promise<void> {
    const notRemoved: string[] = [];
    const created = this.created.splice(0).reverse();
    for (const c of created) {
      const ok = await removeCreated(this.targetHome, c);
      if (!ok) notRemoved.push(c.parts.join('/'));
    }
    if (notRemoved.length > 0) {
      throw new CloisonError(
        'INTERNAL',
        `Some delivered files could not be removed: ${notRemoved.map(shown).join(', ')}.`,
        { notRemoved },
      );
    }
  }
}

/** Removes one created file (if it is still the one created) or folder (if empty). */
async function removeCreated(targetHome: string, c: Created): Promise<boolean> {
  const dir = await walkDirs(targetHome, c.parts.slice(0, -1)).catch(() => undefined);
  if (dir === undefined) return c.kind === 'folder';
  try {
    const name = c.parts[c.parts.length - 1]!;
    const st = await lstatAt(dir, name);
    if (st === undefined || !sameFile(st, c)) return true; // gone, or no longer ours
    try {
      if (c.kind === 'file') await fs.unlink(at(dir, name));
      else await fs.rmdir(at(dir, name)); // rmdir never removes a folder with something in it
    } catch (e) {
      // A folder the target level has put something into since is left, with its contents.
      return c.kind === 'folder' && errno(e) === 'ENOTEMPTY';
    }
    await dir.sync();
    return true;
  } finally {
    await dir.close();
  }
}

/** Opens the folder `parts` below a trusted folder, one component at a time, never following links. */
async function walkDirs(trusted: string, parts: string[]): Promise<FileHandle> {
  let dir = await openTrustedDir(trusted);
  try {
    for (const name of parts) {
      const next = await openDirAt(dir, name);
      await dir.close();
      dir = next;
    }
  } catch (e) {
    await dir.close();
    throw e;
  }
  return dir;
}

/** The source folders on the way to `entry`, from its given root down: their relPaths. */
function sourceFolders(entry: SourceEntry): string[] {
  const rootParts = entry.root.split('/');
  const relParts = entry.relPath.split('/');
  const folders: string[] = [];
  for (let i = rootParts.length; i < relParts.length; i++) {
    folders.push(relParts.slice(0, i).join('/'));
  }
  return folders;
}

/**
 * Opens a scanned source file for reading and checks it is still the file that was scanned: every
 * folder on its path is opened relative to the previous one with O_NOFOLLOW, the file too, and its
 * fstat identity, type, link count, size, mtime and ctime must match the scan. Callers that read a source (type
 * detection, digests) should use this rather than open its path.
 */
export async function openSource(
  sourceHome: string,
  entry: SourceEntry,
): Promise<{ handle: FileHandle; stat: Stats }> {
  const parts = entry.relPath.split('/');
  const name = parts.pop()!;
  let dir: FileHandle;
  try {
    dir = await walkDirs(sourceHome, parts);
  } catch (e) {
    throw sourceGone(entry, e);
  }
  let handle: FileHandle;
  try {
    handle = await fs.open(at(dir, name), READ_FLAGS);
  } catch (e) {
    throw sourceGone(entry, e);
  } finally {
    await dir.close();
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) {
      throw new CloisonError(
        'UNSUPPORTED_FILE',
        `${shown(entry.relPath)} is now ${kindOf(stat)}: only regular files can be sent.`,
        { path: entry.relPath },
      );
    }
    if (!unchanged(stat, entry)) {
      throw new CloisonError(
        'BAD_CONTENT',
        `${shown(entry.relPath)} was replaced or changed since it was inspected, so nothing was delivered: send it again.`,
        { path: entry.relPath },
      );
    }
    if (stat.nlink > 1) {
      throw new CloisonError(
        'UNSUPPORTED_FILE',
        `${shown(entry.relPath)} has become a hard link (${stat.nlink} names): copy it to a file of its own first.`,
        { path: entry.relPath },
      );
    }
    return { handle, stat };
  } catch (e) {
    await handle.close();
    throw e;
  }
}

function sourceGone(entry: SourceEntry, e: unknown): CloisonError {
  const code = errno(e);
  if (code === 'ELOOP' || code === 'ENOTDIR') {
    return new CloisonError(
      'UNSUPPORTED_FILE',
      `${shown(entry.relPath)} can no longer be reached without following a symbolic link, so nothing was delivered.`,
      { path: entry.relPath },
    );
  }
  if (code === 'ENOENT') {
    return new CloisonError(
      'BAD_PATH',
      `${shown(entry.relPath)} no longer exists in the source level, so nothing was delivered.`,
      { path: entry.relPath },
    );
  }
  return new CloisonError(
    'BAD_PATH',
    `${shown(entry.relPath)} cannot be opened (${code ?? String(e)}), so nothing was delivered.`,
    { path: entry.relPath },
  );
}

/** A system error (disk full, I/O error, …) becomes a coded error naming the file; others pass. */
function explained(e: unknown, entry: SourceEntry, options: DeliverOptions): never {
  if (e instanceof CloisonError) throw e;
  if (options.signal?.aborted && e === options.signal.reason) throw e;
  const code = errno(e);
  const why =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? "the target level's disk is full"
      : e instanceof Error
        ? e.message
        : String(e);
  throw new CloisonError(
    'INTERNAL',
    `${shown(entry.relPath)} could not be delivered (${why}), so nothing was delivered.`,
    { path: entry.relPath, ...(code === undefined ? {} : { errno: code }) },
  );
}

function changedWhileCopying(entry: SourceEntry): CloisonError {
  return new CloisonError(
    'BAD_CONTENT',
    `${shown(entry.relPath)} changed while it was being copied, so nothing was delivered: send it again.`,
    { path: entry.relPath },
  );
}

async function writeAll(out: FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await out.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}

/** What `removeSources` did. */
export interface Removal {
  removed: string[];
  kept: { relPath: string; reason: string }[];
}

/**
 * For moves, once the delivery is durable and audited: deletes each source file that is still the
 * one scanned (same dev/ino, size, mtime and ctime, reached without following links), then the folders of given folders
 * that are left empty. A file that changed identity is kept and reported, never deleted.
 */
export async function removeSources(entries: SourceEntry[], sourceHome: string): Promise<Removal> {
  await requireProcFd();
  const result: Removal = { removed: [], kept: [] };
  const folders = new Set<string>();
  for (const entry of entries) {
    for (const f of sourceFolders(entry)) folders.add(f);
    const parts = entry.relPath.split('/');
    const name = parts.pop()!;
    const dir = await walkDirs(sourceHome, parts).catch(() => undefined);
    if (dir === undefined) {
      result.kept.push({ relPath: entry.relPath, reason: 'its folder is no longer reachable' });
      continue;
    }
    try {
      const st = await lstatAt(dir, name);
      if (st === undefined) {
        result.kept.push({ relPath: entry.relPath, reason: 'it no longer exists' });
      } else if (!st.isFile() || !unchanged(st, entry)) {
        // Another file now has this name: it was not sent, so it must not be deleted.
        result.kept.push({
          relPath: entry.relPath,
          reason: 'it was replaced or changed since it was sent',
        });
      } else {
        await fs.unlink(at(dir, name));
        await dir.sync();
        result.removed.push(entry.relPath);
      }
    } catch (e) {
      result.kept.push({ relPath: entry.relPath, reason: `it could not be removed (${errno(e)})` });
    } finally {
      await dir.close();
    }
  }
  // Deepest first; rmdir removes only empty folders, so whatever else is in them stays.
  const byDepth = [...folders].sort((a, b) => b.split('/').length - a.split('/').length);
  for (const f of byDepth) {
    const parts = f.split('/');
    const name = parts.pop()!;
    const dir = await walkDirs(sourceHome, parts).catch(() => undefined);
    if (dir === undefined) continue;
    try {
      await fs.rmdir(at(dir, name));
      await dir.sync();
    } catch {
      // Not empty (an empty sub-folder, a file not sent) or not a folder: left as it is.
    } finally {
      await dir.close();
    }
  }
  return result;
}

/**
 * Removes the temporary files a crashed delivery left in `dir` (a level's `Incoming/`) and its
 * sub-folders, never following links; returns how many. A missing `dir`, or a link in its place, has
 * none of ours.
 */
export async function cleanPartials(dir: string): Promise<number> {
  await requireProcFd();
  let h: FileHandle;
  try {
    // O_NOFOLLOW: `Incoming` is inside a level home, which that level's apps may have replaced.
    h = await fs.open(dir, DIR_FLAGS);
  } catch (e) {
    const code = errno(e);
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') return 0;
    throw e;
  }
  try {
    return await cleanIn(h, 0);
  } finally {
    await h.close();
  }
}

async function cleanIn(dir: FileHandle, depth: number): Promise<number> {
  let removed = 0;
  const { names } = await readdirAt(dir);
  for (const name of names) {
    const st = await lstatAt(dir, name);
    if (st === undefined) continue;
    if (st.isDirectory()) {
      if (depth >= 64) continue;
      const sub = await openDirAt(dir, name).catch(() => undefined);
      if (sub === undefined) continue;
      try {
        removed += await cleanIn(sub, depth + 1);
      } finally {
        await sub.close();
      }
    } else if (name.startsWith(PARTIAL_PREFIX)) {
      await fs.unlink(at(dir, name)).catch(() => undefined);
      removed++;
    }
  }
  if (removed > 0) await dir.sync();
  return removed;
}
