// The kernel's word on who connected: a process of another account is seen as that account, not
// as whatever it says; perl's answer is parsed strictly.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePeer, peerOf, type Peer } from './peer.js';

/** Listens once, connects from a process of `uid`, and returns what the server learned. */
async function peerSeen(uid?: number): Promise<{ peer: Peer | undefined; childPid: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'cloison-peer-'));
  chmodSync(dir, 0o755);
  const path = join(dir, 's.sock');
  const server = createServer();
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  await new Promise<void>((resolve) => server.listen(path, resolve));
  chmodSync(path, 0o777);
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const s = require('net').connect(${JSON.stringify(path)}); setTimeout(() => s.destroy(), 3000);`,
    ],
    uid !== undefined ? { uid, gid: uid } : {},
  );
  const socket = await accepted;
  const peer = await peerOf(socket);
  socket.destroy();
  child.kill();
  server.close();
  return { peer, childPid: child.pid! };
}

describe('peerOf', () => {
  it('names the process and account that connected', async () => {
    const { peer, childPid } = await peerSeen();
    expect(peer).toEqual({
      pid: childPid,
      uid: process.getuid!(),
      gid: process.getgid!(),
    });
  });

  it('leaves the socket readable afterwards (Node pauses a socket it hands to a child)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cloison-peer-'));
    const path = join(dir, 's.sock');
    const server = createServer((socket) => {
      void peerOf(socket).then(() =>
        socket.once('data', (d) => socket.end(`echo ${d.toString()}`)),
      );
    });
    await new Promise<void>((resolve) => server.listen(path, resolve));
    const { connect } = await import('node:net');
    const client = connect(path);
    client.write('ping');
    const answer = await new Promise<string>((resolve) => {
      let got = '';
      client.on('data', (d: Buffer) => (got += d.toString()));
      client.on('end', () => resolve(got));
    });
    server.close();
    expect(answer).toBe('echo ping');
  });

  it.skipIf(process.getuid?.() !== 0)('sees another account as that account', async () => {
    const { peer } = await peerSeen(65534);
    expect(peer).toMatchObject({ uid: 65534, gid: 65534 });
  });

  it.each([
    ['three numbers', '12 1000 1000\n', { pid: 12, uid: 1000, gid: 1000 }],
    ['no newline', '12 1000 1000', undefined],
    ['a negative number', '-1 0 0\n', undefined],
    ['more fields', '1 2 3 4\n', undefined],
    ['nothing', '', undefined],
  ])('parses %s strictly', (_, text, expected) => {
    expect(parsePeer(text)).toEqual(expected);
  });
});
