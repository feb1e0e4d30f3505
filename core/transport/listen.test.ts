// A Unix socket bound for a daemon is its owner's alone until the daemon widens it, whatever the
// umask: the moment between bind and chmod gives no one else a way in.
import { mkdtempSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listenPrivately } from './listen.js';

describe('listenPrivately', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cloison-listen-'));
  const servers: ReturnType<typeof createServer>[] = [];
  const before = process.umask();
  afterEach(() => {
    process.umask(before);
    for (const s of servers.splice(0)) s.close();
  });

  it('creates the socket owner-only under an open umask, and restores the umask', async () => {
    process.umask(0);
    const server = createServer();
    servers.push(server);
    await listenPrivately(server, join(dir, 'private.sock'));
    expect(statSync(join(dir, 'private.sock')).mode & 0o777).toBe(0o600);
    expect(process.umask()).toBe(0);
  });

  it('is needed: a plain listen under the same umask leaves the socket open to all (the control)', async () => {
    process.umask(0);
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(join(dir, 'plain.sock'), resolve));
    expect(statSync(join(dir, 'plain.sock')).mode & 0o777).toBe(0o777);
  });
});
