// The versions of the main configuration file that administrators applied through the daemon, kept
// in the state folder so that any of them can be looked at again or rolled back to. Each version is
// the file's text, plus who applied it, when and why; written synced, never rewritten.
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { canonicalJson } from '../audit/canonical.js';
import type { Config } from '../contract/config.js';
import { CloisonError } from '../contract/errors.js';

export const ConfigVersion = z.object({
  version: z.int().positive(),
  time: z.iso.datetime(),
  actor: z.string(),
  reason: z.string(),
  /** SHA-256 of the file's text as applied. */
  textSha256: z.string(),
  /** The configuration's digest (canonical JSON, drop-ins included) and its rule set's. */
  digest: z.string(),
  rulesDigest: z.string(),
});
export type ConfigVersion = z.infer<typeof ConfigVersion>;

/** SHA-256 over the canonical JSON of the ordered rules in force: what "the rule set" is. */
export function rulesDigest(config: Config): string {
  return createHash('sha256').update(canonicalJson(config.rules)).digest('hex');
}

const NAME = /^(\d{6})\.json$/;

export class ConfigVersions {
  constructor(private readonly dir: string) {}

  async list(): Promise<ConfigVersion[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const versions: ConfigVersion[] = [];
    for (const name of names.filter((n) => NAME.test(n)).sort()) {
      const parsed = ConfigVersion.safeParse(
        JSON.parse(await readFile(join(this.dir, name), 'utf8')),
      );
      // A damaged record is left out of the list rather than trusted.
      if (parsed.success) versions.push(parsed.data);
    }
    return versions;
  }

  async text(version: number): Promise<string> {
    try {
      return await readFile(join(this.dir, `${pad(version)}.yaml`), 'utf8');
    } catch {
      throw new CloisonError(
        'INVALID_PARAMS',
        `There is no configuration version ${version}; \`cloison rules history\` lists them.`,
        { version },
      );
    }
  }

  /** Keeps `text` as the next version; resolves with its record. */
  async add(text: string, meta: Omit<ConfigVersion, 'version' | 'textSha256'>) {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const last = (await this.list()).at(-1)?.version ?? 0;
    const record: ConfigVersion = {
      version: last + 1,
      ...meta,
      textSha256: createHash('sha256').update(text).digest('hex'),
    };
    await writeSynced(join(this.dir, `${pad(record.version)}.yaml`), text);
    // The record last: a version is listed only once its text is safely there.
    await writeSynced(join(this.dir, `${pad(record.version)}.json`), JSON.stringify(record) + '\n');
    return record;
  }
}

function pad(version: number): string {
  return String(version).padStart(6, '0');
}

/** Writes a file under a temporary name, syncs it, renames it into place and syncs the folder. */
export async function writeSynced(path: string, text: string, mode = 0o600): Promise<void> {
  const temporary = `${path}.part-${process.pid}`;
  const handle = await open(temporary, 'wx', mode);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
  const folder = await open(join(path, '..'), 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}
