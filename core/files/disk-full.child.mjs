// Test fixture for disk-full.test.ts, run inside a user+mount namespace with a tiny tmpfs mounted at
// the target home: delivers the given paths and prints the outcome and what is left in the target
// as one JSON line. It imports the built module (dist/, built by the tests' global setup).
import fs from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { deliverFiles, scanSources } from '../../dist/core/files/index.js';

const [sourceHome, targetHome, ...paths] = process.argv.slice(2);
const entries = await scanSources(sourceHome, paths);
let outcome;
try {
  const delivered = await deliverFiles(entries, {
    sourceHome,
    targetDir: path.join(targetHome, 'Incoming', 'low'),
  });
  outcome = { delivered: delivered.map((d) => d.deliveredAs) };
} catch (error) {
  outcome = { code: error.code, message: error.message };
}
const left = await fs.readdir(targetHome, { recursive: true });
process.stdout.write(`${JSON.stringify({ ...outcome, left: left.sort() })}\n`);
