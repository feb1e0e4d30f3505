// The daemon's libraries as the .deb carries them: the production packages of package-lock.json
// (none marked "dev"), copied from node_modules into a folder of their own, so that the package
// ships what the daemon runs and not the test, build and packaging tools (which were 355 MB).
// `node tools/daemon-modules.mjs [DIR]` (default out/daemon-modules, electron-builder.json's source).
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The lockfile's production package folders that this machine has (optional ones may be absent). */
export function productionPackages(projectRoot = root) {
  const lock = JSON.parse(readFileSync(join(projectRoot, 'package-lock.json'), 'utf8'));
  const missing = [];
  const found = [];
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (!path.startsWith('node_modules/') || entry.dev) continue;
    if (existsSync(join(projectRoot, path))) found.push(path);
    else if (!entry.optional) missing.push(path);
  }
  if (missing.length > 0) {
    throw new Error(
      `node_modules lacks production packages of package-lock.json (${missing.join(', ')}): run npm ci first`,
    );
  }
  // A package nested in another is copied with it.
  found.sort();
  return found.filter((p, i) => !found.slice(0, i).some((outer) => p.startsWith(`${outer}/`)));
}

/** Writes the production packages into `target`/ (replaced whole), from a sibling made first. */
export function stageDaemonModules(target, projectRoot = root) {
  const staging = `${target}.staging-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  for (const path of productionPackages(projectRoot)) {
    const to = join(staging, path.slice('node_modules/'.length));
    mkdirSync(dirname(to), { recursive: true });
    cpSync(join(projectRoot, path), to, { recursive: true, verbatimSymlinks: true });
  }
  rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
  return target;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const target = resolve(process.argv[2] ?? join(root, 'out/daemon-modules'));
  try {
    stageDaemonModules(target);
    console.log(`daemon modules: ${target}`);
  } catch (err) {
    console.error(`daemon-modules: ${err.message}`);
    process.exit(1);
  }
}
