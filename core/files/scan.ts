// Checks the files a user asks to send, in the source level's home, before anything is written:
// what each path is, what will be delivered and under which safe names. Trust boundary: the home is
// written by the source level's apps, which may plant links, pipes, devices and odd names in it.
import path from 'node:path';
import type { Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { CloisonError, type ErrorCode } from '../contract/errors.js';
import {
  closeAll,
  errno,
  kindOf,
  lstatAt,
  openDirAt,
  openTrustedDir,
  readdirAt,
  sameFile,
} from './at.js';
import { safeName, shown } from './names.js';

/**
 * One regular file to deliver. Folders are not entries: they are recreated from their files'
 * `deliverPath`. An empty folder inside a given folder is therefore not sent (every entry is a file
 * the broker inspects, digests and audits); a move leaves it where it was.
 */
export interface SourceEntry {
  /** Where it is, relative to the source home, normalised (`docs/a.txt`); the key of `expected`. */
  relPath: string;
  /** The path the user gave that this entry came from (itself, or a folder above it), normalised. */
  root: string;
  /** Components to create under the target folder: the given path's basename, then the sub-path, each made safe. */
  deliverPath: string[];
  /** Bytes, at scan time. */
  size: number;
  /** Identity at scan time: delivery refuses a file that is no longer this one. */
  dev: number;
  ino: number;
  mtimeMs: number;
  /** Changes with any write or metadata change, and cannot be set back: catches a reused inode. */
  ctimeMs: number;
  /** Set when a delivered name differs from the source name, saying why. */
  renamed?: string;
}

/** One reason a path cannot be sent. */
export interface ScanProblem {
  /** The path as the user gave it (or the entry inside a given folder). */
  path: string;
  code: Extract<ErrorCode, 'BAD_PATH' | 'UNSUPPORTED_FILE'>;
  problem: string;
}

export interface ScanOptions {
  /** Most entries (files and folders) a request may reach; beyond it the request is TOO_LARGE. */
  maxEntries?: number;
  /** Deepest folder nesting walked below a given path. */
  maxDepth?: number;
}

const LINK_REFUSAL = 'the broker never follows links, since a link can point outside the home';

/**
 * Checks every given path (relative to `home`, as a user typed it) and lists what to deliver. All
 * problems are collected and thrown together in one CloisonError: BAD_PATH when any path is
 * absolute, climbs out of the home, is missing, given twice or inside another given path;
 * otherwise UNSUPPORTED_FILE (links, hard links, pipes, sockets, devices). `details.problems` holds
 * each one with its own code. Nothing is written.
 */
export async function scanSources(
  home: string,
  paths: string[],
  options: ScanOptions = {},
): Promise<SourceEntry[]> {
  const limits = { maxEntries: options.maxEntries ?? 100_000, maxDepth: options.maxDepth ?? 64 };
  const problems: ScanProblem[] = [];
  const given = normaliseAll(paths, problems);

  const entries: SourceEntry[] = [];
  const homeDir = await openTrustedDir(home);
  try {
    for (const rel of given) {
      await scanOne(homeDir, rel, { entries, problems, limits });
    }
  } finally {
    await homeDir.close();
  }

  if (problems.length > 0) throw scanError(problems);
  return entries;
}

/** Normalises each given path lexically (never resolving links) and refuses the bad ones. */
function normaliseAll(paths: string[], problems: ScanProblem[]): string[] {
  const ok: string[] = [];
  const seen = new Set<string>();
  const bad = (p: string, problem: string): void => {
    problems.push({ path: p, code: 'BAD_PATH', problem });
  };
  for (const p of paths) {
    if (p === '') {
      bad(p, 'is empty: give a path relative to the level home');
      continue;
    }
    if (p.includes('\0')) {
      bad(p, 'contains a NUL character');
      continue;
    }
    if (path.posix.isAbsolute(p)) {
      bad(p, "is absolute: give a path relative to the level's home");
      continue;
    }
    // Lexical: "a/../b" is "b" whatever "a" is, so ".." can never climb out through a link.
    const n = path.posix.normalize(p).replace(/\/+$/u, '');
    if (n === '..' || n.startsWith('../')) {
      bad(p, "climbs out of the level's home with ..");
      continue;
    }
    if (n === '.' || n === '') {
      bad(p, "names the level's home itself: give the files or folders in it");
      continue;
    }
    if (seen.has(n)) {
      bad(p, 'is given twice');
      continue;
    }
    seen.add(n);
    ok.push(n);
  }
  // A file and a folder above it would deliver the file twice.
  const overlapping = new Set<string>();
  for (const n of ok) {
    const parts = n.split('/');
    for (let i = 1; i < parts.length; i++) {
      const above = parts.slice(0, i).join('/');
      if (seen.has(above)) {
        bad(n, `is inside ${shown(above)}, which is also given`);
        overlapping.add(n);
        break;
      }
    }
  }
  return ok.filter((n) => !overlapping.has(n));
}

interface Walk {
  entries: SourceEntry[];
  problems: ScanProblem[];
  limits: { maxEntries: number; maxDepth: number };
}

/** Walks one given path from the home, component by component, never following a link. */
async function scanOne(homeDir: FileHandle, rel: string, walk: Walk): Promise<void> {
  try {
    await walkGiven(homeDir, rel, walk);
  } catch (e) {
    // A folder the broker may not read (EACCES), an I/O error: named, never a crash.
    if (e instanceof CloisonError || errno(e) === undefined) throw e;
    problem(walk, rel, 'BAD_PATH', `cannot be read (${errno(e)})`);
  }
}

async function walkGiven(homeDir: FileHandle, rel: string, walk: Walk): Promise<void> {
  const parts = rel.split('/');
  const opened: FileHandle[] = [];
  try {
    let dir = homeDir;
    for (let i = 0; i < parts.length - 1; i++) {
      const name = parts[i]!;
      const here = parts.slice(0, i + 1).join('/');
      const st = await lstatAt(dir, name);
      const on = here === rel ? '' : ` (on the way to ${shown(rel)})`;
      if (st === undefined)
        return problem(walk, rel, 'BAD_PATH', `does not exist: ${shown(here)} is missing`);
      if (st.isSymbolicLink()) {
        return problem(
          walk,
          rel,
          'UNSUPPORTED_FILE',
          `goes through ${shown(here)}${on}, a symbolic link: ${LINK_REFUSAL}`,
        );
      }
      if (!st.isDirectory()) {
        return problem(
          walk,
          rel,
          'BAD_PATH',
          `goes through ${shown(here)}, which is ${kindOf(st)}, not a folder`,
        );
      }
      const next = await openChecked(dir, name, st);
      if (next === undefined)
        return problem(walk, rel, 'BAD_PATH', `changed while it was checked: ${shown(here)}`);
      opened.push(next);
      dir = next;
    }
    const last = parts[parts.length - 1]!;
    const st = await lstatAt(dir, last);
    if (st === undefined)
      return problem(walk, rel, 'BAD_PATH', "does not exist in the level's home");
    const root = { rel, deliver: [safeName(last)] };
    await scanEntry(dir, last, st, root, rel, walk, 0);
  } finally {
    await closeAll(opened);
  }
}

interface Root {
  rel: string;
  /** The safe names so far, with what changed. */
  deliver: { name: string; changed?: string }[];
}

/** Classifies one entry found by lstat in `dir`, and walks it if it is a folder. */
async function scanEntry(
  dir: FileHandle,
  name: string,
  st: Stats,
  root: Root,
  rel: string,
  walk: Walk,
  depth: number,
): Promise<void> {
  if (walk.entries.length + walk.problems.length >= walk.limits.maxEntries) {
    throw new CloisonError(
      'TOO_LARGE',
      `${shown(root.rel)} holds more than ${walk.limits.maxEntries} entries: send fewer files at once.`,
      { path: root.rel, maxEntries: walk.limits.maxEntries },
    );
  }
  if (st.isSymbolicLink()) {
    return problem(walk, rel, 'UNSUPPORTED_FILE', `is a symbolic link: ${LINK_REFUSAL}`);
  }
  if (st.isFile()) {
    if (st.nlink > 1) {
      // Another name shares this content, possibly outside the home or beyond the level's own
      // rights: sending (or moving) it would act on a file the user did not choose.
      return problem(
        walk,
        rel,
        'UNSUPPORTED_FILE',
        `is a hard link (the file has ${st.nlink} names): copy it to a file of its own first`,
      );
    }
    walk.entries.push(entry(rel, root, st));
    return;
  }
  if (!st.isDirectory()) {
    // Reading a fifo blocks, a device is not the user's content, a socket has none.
    return problem(
      walk,
      rel,
      'UNSUPPORTED_FILE',
      `is ${kindOf(st)}: only regular files and folders can be sent`,
    );
  }
  if (depth >= walk.limits.maxDepth) {
    return problem(
      walk,
      rel,
      'BAD_PATH',
      `is nested more than ${walk.limits.maxDepth} folders deep`,
    );
  }
  const sub = await openChecked(dir, name, st);
  if (sub === undefined) return problem(walk, rel, 'BAD_PATH', 'changed while it was checked');
  try {
    const listing = await readdirAt(sub).catch((e: unknown) => {
      if (errno(e) === undefined) throw e;
      problem(walk, rel, 'BAD_PATH', `cannot be read (${errno(e)})`);
      return undefined;
    });
    if (listing === undefined) return;
    const { names, notUtf8 } = listing;
    for (const bad of notUtf8) {
      problem(
        walk,
        `${rel}/${bad}`,
        'BAD_PATH',
        'has a name that is not valid UTF-8: rename it first',
      );
    }
    for (const child of names) {
      const cst = await lstatAt(sub, child);
      if (cst === undefined) continue; // removed since the listing: not there to send
      const croot = { rel: root.rel, deliver: [...root.deliver, safeName(child)] };
      await scanEntry(sub, child, cst, croot, `${rel}/${child}`, walk, depth + 1);
    }
  } finally {
    await sub.close();
  }
}

/** Opens the folder `name` of `dir` and makes sure it is still the one lstat saw. */
async function openChecked(
  dir: FileHandle,
  name: string,
  st: Stats,
): Promise<FileHandle | undefined> {
  let h: FileHandle;
  try {
    h = await openDirAt(dir, name);
  } catch {
    return undefined; // replaced by a link or a file since lstat
  }
  if (!sameFile(await h.stat(), st)) {
    await h.close();
    return undefined;
  }
  return h;
}

function entry(rel: string, root: Root, st: Stats): SourceEntry {
  const e: SourceEntry = {
    relPath: rel,
    root: root.rel,
    deliverPath: root.deliver.map((d) => d.name),
    size: st.size,
    dev: st.dev,
    ino: st.ino,
    mtimeMs: st.mtimeMs,
    ctimeMs: st.ctimeMs,
  };
  const changes = root.deliver.flatMap((d) => (d.changed === undefined ? [] : [d.changed]));
  if (changes.length > 0) {
    e.renamed = `${shown(rel)} is delivered as ${shown(e.deliverPath.join('/'))}. ${changes.join(' ')}`;
  }
  return e;
}

function problem(walk: Walk, p: string, code: ScanProblem['code'], text: string): void {
  walk.problems.push({ path: p, code, problem: text });
}

/** One error for all problems: BAD_PATH if any path is bad, else UNSUPPORTED_FILE. */
function scanError(problems: ScanProblem[]): CloisonError {
  const code = problems.some((p) => p.code === 'BAD_PATH') ? 'BAD_PATH' : 'UNSUPPORTED_FILE';
  const shownMax = 20;
  const lines = problems.slice(0, shownMax).map((p) => `${shown(p.path)} ${p.problem}`);
  if (problems.length > shownMax) lines.push(`and ${problems.length - shownMax} more`);
  const what =
    problems.length === 1 ? 'This path cannot be sent' : `${problems.length} paths cannot be sent`;
  return new CloisonError(code, `${what}, so nothing was sent: ${lines.join('; ')}.`, { problems });
}
