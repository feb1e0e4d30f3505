// Directory-relative file operations (an `openat` family) for walking level homes that hostile apps
// write to. Trust boundary: every name below a home is the level's; nothing here follows its links.
//
// Node has no openat(2). `/proc/self/fd/<dirfd>/<name>` gives the same guarantee: the kernel
// resolves `/proc/self/fd/<dirfd>` (a "magic link") to the very directory the fd holds open, wherever
// it has been moved since, then looks up `<name>` in it. Combined with O_NOFOLLOW (or lstat, link,
// mkdir, unlink, which never follow the last component), a walk that opens each component relative
// to the previous one cannot be redirected by a symlink swapped into an intermediate component after
// it was checked: the check and the use name the same open directory.
import { constants as C, type Stats } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import { CloisonError } from '../contract/errors.js';

export { C };

/** Flags that open an existing directory, refusing a symlink in its place. */
export const DIR_FLAGS = C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW;

/**
 * Flags that open an existing file for reading: O_NOFOLLOW refuses a symlink; O_NONBLOCK keeps a fifo
 * swapped in after the check from blocking the broker forever; O_NOCTTY keeps a terminal device from
 * becoming the daemon's controlling terminal.
 */
export const READ_FLAGS = C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK | C.O_NOCTTY;

/** Flags that create a new file: never an existing one, never through a symlink. */
export const CREATE_FLAGS = C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW;

/** The path that names `name` inside the directory open as `dir`. */
export function at(dir: FileHandle, name: string): string {
  // One component only: "/" would walk on by name, ".." would climb out of the directory held open.
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new CloisonError('INTERNAL', `Refusing to use ${JSON.stringify(name)} as a file name.`);
  }
  return `/proc/self/fd/${dir.fd}/${name}`;
}

let procChecked: Promise<void> | undefined;

/**
 * Fails closed when `/proc/self/fd` cannot stand in for openat (no /proc in the daemon's mount
 * namespace): walking by path instead would let a symlink swap redirect the broker.
 */
export function requireProcFd(): Promise<void> {
  procChecked ??= (async () => {
    const root = await fs.open('/', C.O_RDONLY | C.O_DIRECTORY);
    try {
      const direct = await fs.stat('/');
      const viaFd = await fs.stat(`/proc/self/fd/${root.fd}/.`);
      if (direct.dev !== viaFd.dev || direct.ino !== viaFd.ino) throw new Error('mismatch');
    } catch {
      procChecked = undefined;
      throw new CloisonError(
        'INTERNAL',
        'The broker needs /proc/self/fd to move files without following links, and it is not available: mount /proc in the daemon.',
      );
    } finally {
      await root.close();
    }
  })();
  return procChecked;
}

/** Opens a trusted directory by path (a level home, which the administrator chose). */
export async function openTrustedDir(path: string): Promise<FileHandle> {
  await requireProcFd();
  return fs.open(path, C.O_RDONLY | C.O_DIRECTORY);
}

/** lstat of `name` in `dir`, or undefined when it does not exist. */
export async function lstatAt(dir: FileHandle, name: string): Promise<Stats | undefined> {
  try {
    return await fs.lstat(at(dir, name));
  } catch (e) {
    if (errno(e) === 'ENOENT') return undefined;
    throw e;
  }
}

/** Opens the sub-directory `name` of `dir`; fails (ENOTDIR) when it is a symlink or not a folder. */
export function openDirAt(dir: FileHandle, name: string): Promise<FileHandle> {
  return fs.open(at(dir, name), DIR_FLAGS);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const lossyUtf8 = new TextDecoder('utf-8');

/**
 * Names in the directory open as `dir` (read through the fd, not by path), sorted. Names that are not
 * valid UTF-8 cannot be named again through a JS string, so they are returned apart, decoded lossily
 * for messages.
 */
export async function readdirAt(dir: FileHandle): Promise<{ names: string[]; notUtf8: string[] }> {
  const raw = await fs.readdir(`/proc/self/fd/${dir.fd}`, { encoding: 'buffer' });
  const names: string[] = [];
  const notUtf8: string[] = [];
  for (const b of raw) {
    try {
      names.push(strictUtf8.decode(b));
    } catch {
      notUtf8.push(lossyUtf8.decode(b));
    }
  }
  names.sort();
  notUtf8.sort();
  return { names, notUtf8 };
}

/**
 * True when a file is still the one scanned: same inode, and no change since (a deleted file's
 * inode number is reused at once by the next file created, so dev/ino alone is not an identity).
 */
export function unchanged(
  st: { dev: number; ino: number; size: number; mtimeMs: number; ctimeMs: number },
  scanned: { dev: number; ino: number; size: number; mtimeMs: number; ctimeMs: number },
): boolean {
  return (
    sameFile(st, scanned) &&
    st.size === scanned.size &&
    st.mtimeMs === scanned.mtimeMs &&
    st.ctimeMs === scanned.ctimeMs
  );
}

/** True when both stats name the same file. */
export function sameFile(
  a: { dev: number; ino: number },
  b: { dev: number; ino: number },
): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

export function errno(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string'
    ? e.code
    : undefined;
}

/** What a non-regular file is, in words, for error messages. */
export function kindOf(st: Stats): string {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a named pipe (fifo)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFile()) return 'a regular file';
  return 'a special file';
}

/** Closes every handle, ignoring errors (used on the way out of a failure). */
export async function closeAll(handles: Iterable<FileHandle | undefined>): Promise<void> {
  for (const h of handles) await h?.close().catch(() => undefined);
}
