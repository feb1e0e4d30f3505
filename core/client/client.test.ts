// The client's timeout is the daemon's silence: a daemon that keeps speaking (a long conversion's
// progress events) while a call runs is waited for; one that says nothing is given up on.
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonClient } from './client.js';

/** A stand-in daemon: answers each call after `answerMs`, sending an event every `eventMs` till then. */
function daemon(path: string, answerMs: number, eventMs: number | undefined): Promise<net.Server> {
  const server = net.createServer((socket) => {
    socket.on('data', (chunk: Buffer) => {
      const { id } = JSON.parse(chunk.toString().trim().split('\n')[0]!) as { id: number };
      const ticks =
        eventMs === undefined
          ? undefined
          : setInterval(
              () =>
                socket.write(
                  `${JSON.stringify({ jsonrpc: '2.0', method: 'event', params: {} })}\n`,
                ),
              eventMs,
            );
      setTimeout(() => {
        clearInterval(ticks);
        if (!socket.destroyed)
          socket.write(`${JSON.stringify({ jsonrpc: '2.0', id, result: { levels: [] } })}\n`);
      }, answerMs);
    });
    socket.on('error', () => undefined);
  });
  return new Promise((resolve) => server.listen(path, () => resolve(server)));
}

describe('a call to a daemon that takes longer than the timeout', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cloison-client-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is waited for while the daemon keeps speaking', async () => {
    const path = join(dir, 'speaking.sock');
    const server = await daemon(path, 1200, 100);
    try {
      const client = await DaemonClient.connect(path, { timeoutMs: 400 });
      expect(await client.call('levels.list', {})).toEqual({ levels: [] });
      client.close();
    } finally {
      server.close();
    }
  });

  it('is given up on when the daemon says nothing (the control)', async () => {
    const path = join(dir, 'silent.sock');
    const server = await daemon(path, 1200, undefined);
    try {
      const client = await DaemonClient.connect(path, { timeoutMs: 400 });
      await expect(client.call('levels.list', {})).rejects.toMatchObject({
        message: 'The daemon said nothing for 0.4 s while levels.list was waiting for its answer.',
        details: { unreachable: true },
      });
    } finally {
      server.close();
    }
  });
});
