// `npm run package` (Electron Forge: the app with its fuses) and `npm run dist` (then
// electron-builder: the .deb and the AppImage from Forge's output). Both need Electron's runtime;
// where it is missing they say so in one line and stop, having changed nothing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const what = process.argv[2];
if (what !== 'package' && what !== 'dist') {
  console.error('usage: node tools/package.mjs package|dist');
  process.exit(64);
}

function electronBinary() {
  try {
    const path = createRequire(join(root, 'package.json'))('electron');
    return typeof path === 'string' && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

if (!electronBinary()) {
  console.error(
    `npm run ${what}: no Electron runtime here (node_modules/electron has no binary; fetch it with \`node node_modules/electron/install.js\` where the network allows); nothing was packaged`,
  );
  process.exit(69);
}

const run = (command, args) => {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
};
// The daemon's build (dist/core), which the .deb carries; Forge's Vite plugin builds the shell.
run('npm', ['run', 'build']);
run(process.execPath, [
  join(root, 'node_modules/@electron-forge/cli/dist/electron-forge.js'),
  'package',
]);
if (what === 'dist') {
  // The daemon's production libraries, which the .deb carries as its node_modules (after Forge,
  // which owns out/ while it packages).
  run(process.execPath, [join(root, 'tools/daemon-modules.mjs')]);
  run(process.execPath, [
    join(root, 'node_modules/electron-builder/cli.js'),
    '--linux',
    '--config',
    'electron-builder.json',
    '--prepackaged',
    join(root, 'out', `Cloison-linux-${process.arch}`),
  ]);
}
