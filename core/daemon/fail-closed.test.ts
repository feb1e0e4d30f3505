// Invariant 5 against a real daemon: when the audit log cannot be written (a real full disk: the
// audit folder is a 1 MiB tmpfs in the daemon's own user and mount namespace, which works as root
// and as an ordinary user), every transfer is refused with the reason; once space is back, they work.
import { existsSync, openSync, unlinkSync, writeSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type TestDaemon } from '../testing/daemon.js';
import { testConfig } from '../testing/configs.js';

/** Fills a file system until it refuses (ENOSPC). */
function fill(path: string): void {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(4096, 0x78);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
}

describe('when the audit log cannot be written', () => {
  let daemon: TestDaemon;
  let filler: string;
  beforeAll(async () => {
    daemon = await startDaemon({
      config: testConfig,
      wrap: (argv) => {
        const audit = argv[argv.indexOf('--state') + 1] + '/audit';
        return [
          'unshare',
          '--user',
          '--map-root-user',
          '--mount',
          'sh',
          '-c',
          'mkdir -p "$0" && mount -t tmpfs -o size=1m tmpfs "$0" && exec "$@"',
          audit,
          ...argv,
        ];
      },
    });
    // The daemon's view of its audit folder, reached through its own root.
    filler = join(`/proc/${daemon.process.pid}/root`, daemon.paths.audit, 'filler');
  });
  afterAll(async () => {
    await daemon.cleanup();
  });

  it('refuses transfers with the reason, then recovers when space is back', async () => {
    writeFileSync(join(daemon.home('low'), 'doc.txt'), 'hello');
    expect(
      (await daemon.cli(['clip', 'send', '--from', 'low', '--to', 'mid'], { stdin: 'before' }))
        .code,
    ).toBe(0);

    fill(filler);
    // The segment's last page may still hold an entry or two: send until the log refuses one.
    let clip = await daemon.cli(['clip', 'send', '--from', 'low', '--to', 'mid'], {
      stdin: 'during',
    });
    for (let i = 0; i < 20 && clip.code === 0; i++) {
      clip = await daemon.cli(['clip', 'send', '--from', 'low', '--to', 'mid'], {
        stdin: 'during',
      });
    }
    expect(clip.code).toBe(7);
    expect(clip.stdout.length).toBe(0);
    expect(clip.stderr).toMatch(/audit/i);
    expect(clip.stderr).toMatch(/space|ENOSPC/i);
    const files = await daemon.cli(['files', 'send', '--from', 'low', '--to', 'mid', 'doc.txt']);
    expect(files.code).toBe(7);
    expect(existsSync(join(daemon.home('mid'), 'Incoming/low/doc.txt'))).toBe(false);
    const status = await daemon.cli(['status']);
    expect(status.text).toContain('UNAVAILABLE');

    unlinkSync(filler);
    const after = await daemon.cli(['clip', 'send', '--from', 'low', '--to', 'mid'], {
      stdin: 'after',
    });
    expect(after.code).toBe(0);
    expect(after.text).toBe('after');
    expect(
      (await daemon.cli(['files', 'send', '--from', 'low', '--to', 'mid', 'doc.txt'])).code,
    ).toBe(0);
    const verify = await daemon.cli([
      '--json',
      'audit',
      'verify',
      '--dir',
      join(`/proc/${daemon.process.pid}/root`, daemon.paths.audit),
    ]);
    expect(verify.code, verify.text).toBe(0);
  });
});
