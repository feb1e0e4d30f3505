// `npm start` with a system install's sockets named (--run, $CLOISON_RUN) and no daemon there:
// it says so and starts no embedded daemon of its own behind the person's back.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from '../core/testing/daemon.js';

describe('npm start with --run', () => {
  it('refuses when no daemon serves the folder, and leaves no daemon running', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cloison-start-'));
    const state = join(dir, 'state');
    const run = spawnSync(
      process.execPath,
      [
        join(root, 'dist/host/start.js'),
        '--run',
        join(dir, 'run'),
        '--state',
        state,
        '--browser',
        '--no-open',
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`no daemon serves ${join(dir, 'run', 'user.sock')}`);
    expect(existsSync(join(state, 'run', 'user.sock'))).toBe(false);
    const daemons = readdirSync('/proc').filter((p) => {
      try {
        return /^\d+$/u.test(p) && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(state);
      } catch {
        return false;
      }
    });
    expect(daemons).toEqual([]);
  });
});
