// Where the files shipped beside the code are (assets/ at the package root): the embedded default
// configuration, the level launcher's script. core/ (tests) and dist/core/ (built) find the same.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding package.json. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above core/assets');
    dir = parent;
  }
  return dir;
}

/** Absolute path of a shipped file, e.g. `assetFile('launcher.pl')`. */
export function assetFile(name: string): string {
  return join(packageRoot(), 'assets', name);
}
