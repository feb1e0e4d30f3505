// Test fixture for quarantine.test.ts, run inside a user+mount namespace with a 1 MiB tmpfs mounted
// at the given folder: puts a source level's home and its staging folder on it, writes a 600 KiB
// original there, asks keepOriginals to keep it (a second 600 KiB cannot fit), and prints the
// outcome and what is left on the file system as one JSON line. Imports the built modules (dist/).
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Buffer } from 'node:buffer';
import process from 'node:process';
import { keepOriginals } from '../../dist/core/broker/quarantine.js';
import { scanSources } from '../../dist/core/files/index.js';

const [disk] = process.argv.slice(2);
const sourceHome = path.join(disk, 'home');
const stagingDir = path.join(disk, 'staging');
await fs.mkdir(sourceHome);
await fs.mkdir(stagingDir);
const original = Buffer.alloc(600 * 1024, 7);
await fs.writeFile(path.join(sourceHome, 'report.pdf'), original);
const [entry] = await scanSources(sourceHome, ['report.pdf']);
const sha256 = createHash('sha256').update(original).digest('hex');
let outcome;
try {
  const kept = await keepOriginals([{ entry, sha256 }], { sourceHome, stagingDir });
  outcome = { kept: [...kept.places.values()] };
} catch (error) {
  outcome = { code: error.code, message: error.message };
}
const left = await fs.readdir(disk, { recursive: true });
process.stdout.write(`${JSON.stringify({ ...outcome, left: left.sort() })}\n`);
