// The daemon's two Unix sockets: the user socket and the admin socket. The role of a connection is
// the socket it came in on, never something the peer claims; file permissions decide who may open
// each socket.
import { chmod, chown, mkdir, unlink } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import type { SocketRole } from '../contract/methods.js';
import { dispatch, errorResponse, type Handlers, type Session } from './dispatch.js';
import { LineFramer } from '../transport/framing.js';
import { listenPrivately } from '../transport/listen.js';
import { peerOf } from '../transport/peer.js';

export interface SocketOptions {
  path: string;
  role: SocketRole;
  /** Permission bits of the socket file: who may connect is who may open it. */
  mode: number;
  /** The group the socket is given (its members may connect when `mode` lets the group). */
  gid?: number;
  maxMessageBytes: () => number;
  handlers: Handlers;
  log: (line: string) => void;
  onSession: (session: Session, open: boolean) => void;
}

let sessionCounter = 0;

export async function listen(options: SocketOptions): Promise<Server> {
  await unlink(options.path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  const server = createServer((socket) => serve(socket, options));
  // Bound owner-only, then given its mode and group: no moment where anyone else may connect.
  await listenPrivately(server, options.path);
  if (options.gid !== undefined) await chown(options.path, -1, options.gid);
  await chmod(options.path, options.mode);
  return server;
}

/** The socket folder: created private, so a socket is unreachable until its own mode is set. */
export async function prepareRunDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o711);
}

function serve(socket: Socket, options: SocketOptions): void {
  const framer = new LineFramer(options.maxMessageBytes());
  const session: Session = {
    id: `${options.role}-${++sessionCounter}`,
    role: options.role,
    actor: `${options.role}-session-${sessionCounter}`,
    subscribed: false,
    notify(event) {
      write({ jsonrpc: '2.0', method: 'event', params: event });
    },
    close() {
      socket.end();
    },
  };
  options.onSession(session, true);
  // No call is served before the kernel has said who the peer is.
  const known = peerOf(socket).then((peer) => {
    if (peer) session.peer = peer;
  });
  // Responses go out in request order even when handlers finish out of order.
  let queue: Promise<void> = known;

  function write(message: unknown): void {
    if (!socket.destroyed && socket.writable) socket.write(JSON.stringify(message) + '\n');
  }

  socket.on('data', (chunk: Buffer) => {
    for (const frame of framer.push(chunk)) {
      if (frame.kind === 'oversize') {
        const limit = options.maxMessageBytes();
        queue = queue.then(() =>
          write(
            errorResponse(
              null,
              'MESSAGE_TOO_LARGE',
              `The message is over the daemon's limit of ${limit} bytes; it was skipped.`,
              { limit },
            ),
          ),
        );
        continue;
      }
      const text = frame.text;
      const pending = known.then(() => dispatch(text, session, options.handlers, options.log));
      queue = queue.then(async () => write(await pending));
    }
  });
  socket.on('error', () => socket.destroy());
  socket.on('close', () => {
    session.subscribed = false;
    options.onSession(session, false);
  });
}
