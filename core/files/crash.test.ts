// A delivery killed (kill -9) in the middle of a copy, in a child process running the built module
// (crash.child.mjs): what it leaves must never look like a delivered file, and start-up cleaning
// removes it.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanPartials } from './deliver.js';
import { PARTIAL_PREFIX } from './names.js';

const CHILD = fileURLToPath(new URL('./crash.child.mjs', import.meta.url));

let tmp: string;
beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cloison-crash-'));
});
afterEach(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('a delivery killed in the middle of a copy', () => {
  it('leaves only a hidden partial file, which cleanPartials removes', async () => {
    const low = path.join(tmp, 'low');
    const incoming = path.join(tmp, 'high', 'Incoming', 'low');
    await fs.mkdir(low);
    await fs.mkdir(path.join(tmp, 'high'));
    await fs.writeFile(path.join(low, 'big.bin'), Buffer.alloc(8 * 1024 * 1024, 1));

    const child = spawn(process.execPath, [CHILD, low, incoming, 'big.bin'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    const firstLine = await new Promise<string>((resolve, reject) => {
      child.stdout.once('data', (b: Buffer) => resolve(b.toString()));
      child.once('exit', () => reject(new Error('the child ended before copying')));
    });
    expect(JSON.parse(firstLine)).toEqual({ done: 1024 * 1024 });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const left = await fs.readdir(incoming);
    expect(left).toHaveLength(1);
    expect(left[0]?.startsWith(PARTIAL_PREFIX)).toBe(true);
    expect(await cleanPartials(path.join(tmp, 'high', 'Incoming'))).toBe(1);
    expect(await fs.readdir(incoming)).toEqual([]);
  });
});
