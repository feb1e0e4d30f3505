// Pages out of a throw-away compartment as files: the renderer writes each page as a PPM file in a
// folder of the compartment's own bounded /tmp, and the broker reads it from outside through a
// handle on that folder, then removes it. Trust boundary: every entry of the folder is the
// renderer's, possibly hostile; nothing is followed (a link, a fifo, a device or a folder in the
// place of a page is refused), nothing larger than a page of the limit is read, and a page is
// accepted only whole, as the frame reader checks it.
import { constants } from 'node:fs';
import { open, readdir, unlink, type FileHandle } from 'node:fs/promises';
import { CloisonError } from '../contract/errors.js';
import type { SanitiserName } from './catalogue.js';
import { MAX_HEADER, type Frame, type FrameReader } from './pixels.js';

/** A progress line of `pdftoppm -progress`: "PAGE LAST FILE". */
export interface PageDone {
  page: number;
  last: number;
  file: string;
}

/** Parses one line that pdftoppm -progress writes for a page written under `prefix`. Pure. */
export function parsePageDone(line: string, prefix: string): PageDone | undefined {
  const m = /^(\d{1,9}) (\d{1,9}) (\S{1,200})$/.exec(line);
  if (!m || !m[3]!.startsWith(`${prefix}-`)) return undefined;
  return { page: Number(m[1]), last: Number(m[2]), file: m[3]!.slice(m[3]!.lastIndexOf('/') + 1) };
}

/** The name pdftoppm gives page `page` of `pages`: p-07.ppm (as many digits as the count has). */
export function pageFileName(page: number, pages: number): string {
  return `p-${String(page).padStart(String(pages).length, '0')}.ppm`;
}

/** What a folder entry is, in words, from its mode. */
function kindOf(mode: number): string {
  const type = mode & constants.S_IFMT;
  if (type === constants.S_IFIFO) return 'a fifo';
  if (type === constants.S_IFDIR) return 'a folder';
  if (type === constants.S_IFSOCK) return 'a socket';
  if (type === constants.S_IFCHR || type === constants.S_IFBLK) return 'a device';
  return 'not a regular file';
}

const OPEN_FLAGS =
  constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;

/** A name fit for an error message: printable ASCII, short. */
function shown(name: string): string {
  const clean = name.replace(/[^\x21-\x7e]/g, '?');
  return clean.length > 40 ? `${clean.slice(0, 40)}…` : clean;
}

/**
 * The renderer's page folder, seen from the broker: `take` reads one page file (without following
 * it, bounded, checked whole by `reader`) and removes it; `leftovers` names what else is there.
 */
export class PageFolder {
  /** Through the handle's own descriptor: the folder opened once, never looked up by path again. */
  private readonly path: string;

  constructor(
    private readonly sanitiser: SanitiserName,
    folder: FileHandle,
    private readonly reader: FrameReader,
    /** The largest page file a page within the pixel limit makes (4 channels at most). */
    private readonly maxPixels: number,
  ) {
    this.path = `/proc/self/fd/${folder.fd}`;
  }

  async take(name: string): Promise<Frame> {
    const page = this.reader.count + 1;
    const where = `${this.path}/${name}`;
    let file: FileHandle;
    try {
      file = await open(where, OPEN_FLAGS);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') throw this.fail(`Page ${page} is a symbolic link, not a page`);
      if (code === 'ENOENT') throw this.fail(`Page ${page} is missing from the renderer's folder`);
      if (code === 'ENXIO') throw this.fail(`Page ${page} is a socket, not a page`);
      throw this.fail(`Page ${page} cannot be read (${code ?? 'error'})`);
    }
    try {
      const stat = await file.stat();
      if (!stat.isFile()) throw this.fail(`Page ${page} is ${kindOf(stat.mode)}, not a page`);
      const max = MAX_HEADER + this.maxPixels * 4;
      if (stat.size > max) {
        throw new CloisonError(
          'TOO_LARGE',
          `Page ${page} is a file of ${stat.size} bytes, over the ${max} bytes of the largest page allowed.`,
          { sanitiser: this.sanitiser, bytes: stat.size, maxBytes: max },
        );
      }
      // One read of what the file holds now; what is checked is this copy, whatever the renderer
      // does to the file afterwards.
      const bytes = Buffer.allocUnsafe(stat.size);
      let filled = 0;
      while (filled < bytes.length) {
        const { bytesRead } = await file.read(bytes, filled, bytes.length - filled, filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      const frame = this.reader.whole(filled === bytes.length ? bytes : bytes.subarray(0, filled));
      await unlink(where).catch(() => {
        throw this.fail(`Page ${page} could not be removed from the renderer's folder`);
      });
      return frame;
    } finally {
      await file.close();
    }
  }

  /** What the folder holds besides the pages taken (nothing, from a renderer that behaved). */
  async leftovers(): Promise<string[]> {
    return (await readdir(this.path)).map(shown);
  }

  private fail(what: string): CloisonError {
    return new CloisonError('BAD_CONTENT', `${what}.`, { sanitiser: this.sanitiser });
  }
}
