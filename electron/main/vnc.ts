// Electron mode's bridge from the renderer's noVNC to a level's VNC Unix socket: a WebSocket server
// on loopback, a random path secret per run, the shell's origin only; the socket's path comes from
// the daemon, never from the page.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { connect as netConnect, type AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { DaemonClient } from '../../core/client/client.js';
import { Id } from '../../core/contract/config.js';
import { SHELL_ORIGIN } from './policy.js';

export async function startVncBridge(
  daemon: () => Promise<DaemonClient>,
): Promise<{ url(level: string): string; close(): void }> {
  const secret = randomBytes(24).toString('base64url');
  const wss = new WebSocketServer({ noServer: true });
  const web = createServer((_req, res) => res.writeHead(404).end());
  web.on('upgrade', (req, socket, head) => {
    const m = /^\/([^/]+)\/vnc\/([^/]+)$/u.exec(req.url ?? '');
    const level = Id.safeParse(m?.[2]);
    if (!m || m[1] !== secret || req.headers.origin !== SHELL_ORIGIN || !level.success) {
      socket.end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      void (async () => {
        const status = await (await daemon()).call('levels.status', { level: level.data });
        const path = status.levels[0]?.display?.vncSocket;
        if (!path) return ws.close(1011, 'That level is not running.');
        const unix = netConnect(path);
        unix.on('data', (d) => ws.send(d));
        unix.on('close', () => ws.close());
        unix.on('error', () => ws.close(1011, 'The level display is unreachable.'));
        ws.on('message', (d: Buffer) => unix.write(d));
        ws.on('close', () => unix.destroy());
      })().catch(() => ws.close(1011, 'levels.status failed'));
    });
  });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', () => r()));
  const port = (web.address() as AddressInfo).port;
  return {
    url: (level) => `ws://127.0.0.1:${port}/${secret}/vnc/${encodeURIComponent(level)}`,
    close: () => {
      wss.close();
      web.close();
    },
  };
}
