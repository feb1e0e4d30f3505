// Whether Electron's runtime is here for the Electron end-to-end tests, and if not, why: they are
// then reported as skipped with the reason (the binary cannot be downloaded on every machine).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { root } from '../../core/testing/daemon.js';

export function electronBinary(): string | undefined {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown;
    return typeof path === 'string' && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

export const binary = electronBinary();
export const main = join(root, 'dist/electron/main.cjs');
export const reason = !binary
  ? 'no Electron runtime installed (node_modules/electron has no binary: ELECTRON_SKIP_BINARY_DOWNLOAD, or no network)'
  : !existsSync(main)
    ? 'the Electron glue is not built (npm run build)'
    : undefined;
