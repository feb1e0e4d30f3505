// Test fixture for crash.test.ts: delivers one file and, once the first MiB is copied, stops dead in
// the middle of the copy (blocking its own thread) so that the test can kill -9 it there. It imports
// the built module (dist/, built by the tests' global setup) since it runs under plain Node.
import process from 'node:process';
import { deliverFiles, scanSources } from '../../dist/core/files/index.js';

const [sourceHome, targetDir, rel] = process.argv.slice(2);
const entries = await scanSources(sourceHome, [rel]);
const frozen = new Int32Array(new SharedArrayBuffer(4));
await deliverFiles(entries, {
  sourceHome,
  targetDir,
  onProgress: (done) => {
    process.stdout.write(`${JSON.stringify({ done })}\n`);
    Atomics.wait(frozen, 0, 0, 60_000); // mid-copy: the temporary file is open and half written
  },
});
process.stdout.write(`${JSON.stringify({ finished: true })}\n`);
