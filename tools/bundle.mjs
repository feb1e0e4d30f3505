// Bundles what runs outside plain Node: the renderer (dist/renderer/), and the Electron glue
// (dist/electron/main.cjs, dist/electron/preload.cjs; the preload is one file, as a sandboxed
// preload must be). `--renderer` bundles the renderer only.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist');
const only = process.argv.includes('--renderer') ? 'renderer' : undefined;

await mkdir(join(out, 'renderer'), { recursive: true });
await build({
  entryPoints: [join(root, 'renderer/main.tsx')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'chrome120',
  outfile: join(out, 'renderer/shell.js'),
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
});
await copyFile(join(root, 'renderer/index.html'), join(out, 'renderer/index.html'));
await copyFile(join(root, 'renderer/shell.css'), join(out, 'renderer/shell.css'));

if (only !== 'renderer' && existsSync(join(root, 'electron/main/main.ts'))) {
  await mkdir(join(out, 'electron'), { recursive: true });
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
  };
  await build({
    ...common,
    entryPoints: [join(root, 'electron/main/main.ts')],
    outfile: join(out, 'electron/main.cjs'),
    external: ['electron'],
  });
  await build({
    ...common,
    entryPoints: [join(root, 'electron/preload/preload.ts')],
    outfile: join(out, 'electron/preload.cjs'),
    external: ['electron'],
  });
}
