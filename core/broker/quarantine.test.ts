// Quarantine when the source level's disk is full: fail closed, all or nothing. Root ignores
// permissions, so a full disk is the honest failure to provoke: a 1 MiB tmpfs mounted in a
// user+mount namespace (`unshare`), private to a child Node process (quarantine-full.child.mjs).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const CHILD = fileURLToPath(new URL('./quarantine-full.child.mjs', import.meta.url));

let tmp: string;
beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cloison-qfull-'));
});
afterEach(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('keeping an original when the source level’s disk is full', () => {
  it('refuses with the reason, and leaves no copy and no partial file', () => {
    const out = execFileSync(
      'unshare',
      [
        '--user',
        '--map-root-user',
        '--mount',
        'sh',
        '-c',
        'mount -t tmpfs -o size=1m tmpfs "$1" && exec "$2" "$3" "$1"',
        'sh',
        tmp,
        process.execPath,
        CHILD,
      ],
      { encoding: 'utf8' },
    );
    expect(JSON.parse(out)).toEqual({
      code: 'INTERNAL',
      message:
        'The original could not be kept in Quarantine/: the source level\'s disk is full ("report.pdf" did not fit), so nothing was delivered.',
      // The original is where it was; Quarantine/ was made for it and removed with the failure.
      left: ['home', 'home/report.pdf', 'staging'],
    });
  });
});
