// All or nothing when the target level's disk fills up mid-request. Root ignores permissions, so a
// full disk is the honest failure to provoke: the target home is a 1 MiB tmpfs mounted in a
// user+mount namespace (`unshare`), private to a child Node process (disk-full.child.mjs).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const CHILD = fileURLToPath(new URL('./disk-full.child.mjs', import.meta.url));

let tmp: string;
beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cloison-full-'));
});
afterEach(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

function inNamespace(low: string, high: string, paths: string[]): Record<string, unknown> {
  const out = execFileSync(
    'unshare',
    [
      '--user',
      '--map-root-user',
      '--mount',
      'sh',
      '-c',
      'mount -t tmpfs -o size=1m tmpfs "$1" && shift && exec "$@"',
      'sh',
      high,
      process.execPath,
      CHILD,
      low,
      high,
      ...paths,
    ],
    { encoding: 'utf8' },
  );
  return JSON.parse(out) as Record<string, unknown>;
}

describe('when the target disk fills up during a request', () => {
  it('removes the files already delivered and names the file and the reason', async () => {
    const low = path.join(tmp, 'low');
    const high = path.join(tmp, 'high');
    await fs.mkdir(low);
    await fs.mkdir(high);
    await fs.writeFile(path.join(low, 'small.txt'), Buffer.alloc(100 * 1024, 1));
    await fs.writeFile(path.join(low, 'big.bin'), Buffer.alloc(2 * 1024 * 1024, 2));
    const result = inNamespace(low, high, ['small.txt', 'big.bin']);
    expect(result).toEqual({
      code: 'INTERNAL',
      message: expect.stringContaining(
        `"big.bin" could not be delivered (the target level's disk is full)`,
      ),
      left: [],
    });
  });

  it('delivers when there is room (the namespace itself works)', async () => {
    const low = path.join(tmp, 'low');
    const high = path.join(tmp, 'high');
    await fs.mkdir(low);
    await fs.mkdir(high);
    await fs.writeFile(path.join(low, 'small.txt'), 'hello');
    const result = inNamespace(low, high, ['small.txt']);
    expect(result).toEqual({
      delivered: ['Incoming/low/small.txt'],
      left: ['Incoming', 'Incoming/low', 'Incoming/low/small.txt'],
    });
  });
});
