// Lists one folder of a level's home for the shell's file browser. Trust boundary: the home is
// written by the level's apps; every component is opened relative to the previous one and never
// through a link, like the broker's own walk (at.ts), and nothing is read but names and sizes.
import path from 'node:path';
import { CloisonError } from '../contract/errors.js';
import { closeAll, errno, lstatAt, openDirAt, openTrustedDir, readdirAt } from './at.js';
import type { FileHandle } from 'node:fs/promises';

export interface ListedEntry {
  name: string;
  kind: 'file' | 'folder' | 'other';
  size: number;
}

export async function listFolder(
  home: string,
  rel: string,
): Promise<{ path: string; entries: ListedEntry[]; unnamable: number }> {
  if (rel.includes('\0')) throw new CloisonError('BAD_PATH', 'The path contains a NUL character.');
  if (path.posix.isAbsolute(rel)) {
    throw new CloisonError(
      'BAD_PATH',
      `${JSON.stringify(rel)} is absolute: give a path relative to the level's home.`,
    );
  }
  const n = path.posix.normalize(rel === '' ? '.' : rel).replace(/\/+$/u, '');
  if (n === '..' || n.startsWith('../')) {
    throw new CloisonError(
      'BAD_PATH',
      `${JSON.stringify(rel)} climbs out of the level's home with "..".`,
    );
  }
  const parts = n === '.' || n === '' ? [] : n.split('/');
  const handles: FileHandle[] = [];
  try {
    let dir: FileHandle;
    try {
      dir = await openTrustedDir(home);
    } catch (e) {
      if (errno(e) === 'ENOENT') return { path: parts.join('/'), entries: [], unnamable: 0 };
      throw e;
    }
    handles.push(dir);
    for (const part of parts) {
      try {
        dir = await openDirAt(dir, part);
      } catch (e) {
        const code = errno(e);
        throw new CloisonError(
          'BAD_PATH',
          code === 'ENOENT'
            ? `There is no folder ${JSON.stringify(n)} in the level's home.`
            : `${JSON.stringify(n)} is not a folder of the level's home (links are not followed).`,
        );
      }
      handles.push(dir);
    }
    const { names, notUtf8 } = await readdirAt(dir);
    const entries: ListedEntry[] = [];
    for (const name of names) {
      const st = await lstatAt(dir, name);
      if (!st) continue;
      entries.push({
        name,
        kind: st.isFile() ? 'file' : st.isDirectory() ? 'folder' : 'other',
        size: st.isFile() ? st.size : 0,
      });
    }
    return { path: parts.join('/'), entries, unnamable: notUtf8.length };
  } finally {
    await closeAll(handles.reverse());
  }
}
