// Reads the main configuration file and the drop-ins of its rules.d/ folder, then validates them
// with parseConfig. The only part of core/config that touches the file system; an unreadable file
// refuses the configuration like any other problem.
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { assetFile } from '../assets/assets.js';
import { parseConfig, type LoadedConfig } from './parse.js';
import { ConfigError } from './problems.js';
import type { SourceText } from './yaml-source.js';

/** Absolute path of the embedded default configuration (assets/default-config.yaml). */
export const defaultConfigFile: string = assetFile('default-config.yaml');

export interface LoadOptions {
  /** The drop-in folder; by default `rules.d` beside the main file. A missing folder means none. */
  rulesDir?: string;
  /**
   * The main file's text as it would be, in place of what is on disk (a candidate an administrator
   * edits): checked with the same drop-ins, and its problems reported at the file's own lines.
   */
  mainText?: string;
}

/** Drop-in file names as read: `*.yaml` and `*.yml`, not hidden. */
export function isDropInName(name: string): boolean {
  return !name.startsWith('.') && /\.ya?ml$/.test(name);
}

export async function loadConfig(file: string, options: LoadOptions = {}): Promise<LoadedConfig> {
  const main =
    options.mainText !== undefined ? { file, text: options.mainText } : await readSource(file);
  const rulesDir = options.rulesDir ?? join(dirname(file), 'rules.d');
  const warnings: string[] = [];
  const dropIns: SourceText[] = [];
  let names: string[] = [];
  try {
    names = await readdir(rulesDir);
  } catch (error) {
    if (code(error) !== 'ENOENT') throw unreadable(rulesDir, error);
  }
  // Byte order of the UTF-8 names, whatever the locale: the order rules apply in is the order ls -1 shows under LC_ALL=C.
  names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const name of names) {
    const path = join(rulesDir, name);
    if (!isDropInName(name)) {
      warnings.push(
        `${path}: ignored: only *.yaml and *.yml files that do not start with "." are read`,
      );
      continue;
    }
    let isFile: boolean;
    try {
      isFile = (await stat(path)).isFile();
    } catch (error) {
      throw unreadable(path, error);
    }
    if (!isFile) {
      warnings.push(`${path}: ignored: not a regular file`);
      continue;
    }
    dropIns.push(await readSource(path));
  }
  const loaded = parseConfig(main, dropIns);
  loaded.warnings.unshift(...warnings);
  return loaded;
}

async function readSource(file: string): Promise<SourceText> {
  try {
    return { file, text: await readFile(file, 'utf8') };
  } catch (error) {
    throw unreadable(file, error);
  }
}

function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function unreadable(file: string, error: unknown): ConfigError {
  const reason = code(error) === 'ENOENT' ? 'no such file or folder' : (error as Error).message;
  return new ConfigError([
    { file, line: 0, column: 0, path: '', message: `cannot be read: ${reason}` },
  ]);
}
