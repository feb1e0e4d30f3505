// The state folder's lock: held by a live daemon, refused; left by a dead one, or naming a pid the
// kernel has since given to another process, taken over.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock, heldBy, lockText, startTimeOf } from './lock.js';

const lockPath = () => join(mkdtempSync(join(tmpdir(), 'cloison-lock-')), 'cloisond.lock');

describe('the state folder lock', () => {
  it('is refused while the process that holds it lives (the control)', async () => {
    const other = spawn('sleep', ['30']);
    const path = lockPath();
    writeFileSync(path, lockText(other.pid!));
    await expect(acquireLock(path)).rejects.toThrow(`Another cloisond (pid ${other.pid})`);
    other.kill();
  });

  it('is taken over when its process is gone', async () => {
    const gone = spawn('true');
    await new Promise((r) => gone.on('exit', r));
    const path = lockPath();
    writeFileSync(path, `${gone.pid} 12345\n`);
    const release = await acquireLock(path);
    expect(readFileSync(path, 'utf8')).toBe(lockText(process.pid));
    await release();
  });

  it('is taken over when its pid now belongs to another process (pid reuse)', async () => {
    const other = spawn('sleep', ['30']);
    const path = lockPath();
    // The pid is alive, but it is not the process that took the lock: it started at another time.
    const started = Number(startTimeOf(other.pid!));
    writeFileSync(path, `${other.pid} ${started - 1}\n`);
    expect(heldBy(readFileSync(path, 'utf8'))).toBeUndefined();
    const release = await acquireLock(path);
    expect(readFileSync(path, 'utf8')).toBe(lockText(process.pid));
    await release();
    other.kill();
  });
});
