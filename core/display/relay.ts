// A level's remote display as the shell reaches it: a socket in the daemon's sockets folder, open to
// whoever may use the user socket, relayed byte for byte to the level's x11vnc, whose own socket
// stays the daemon's alone (in a system install the shell runs as another account than the daemon).
import { chmod, chown, mkdir, unlink } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { listenPrivately } from '../transport/listen.js';

export interface RelayAccess {
  /** Permission bits of the relay socket: those of the user socket. */
  mode: number;
  /** The user socket's group, when it has one. */
  gid?: number;
}

export class DisplayRelay {
  private readonly sockets = new Set<Socket>();

  private readonly server: Server;

  private constructor(
    readonly path: string,
    target: string,
  ) {
    this.server = createServer((client) => this.pipe(client, target));
  }

  static async listen(path: string, target: string, access: RelayAccess): Promise<DisplayRelay> {
    await unlink(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    const relay = new DisplayRelay(path, target);
    // Bound owner-only, then given the user socket's mode and group.
    await listenPrivately(relay.server, path);
    if (access.gid !== undefined) await chown(path, -1, access.gid);
    await chmod(path, access.mode);
    return relay;
  }

  /**
   * Gives the socket another mode and group (a reload that hides the level from a kiosk's users,
   * or offers it again), and ends every connection made under the old one: whoever may still
   * connect does so again, whoever may not keeps no open view.
   */
  async setAccess(access: RelayAccess): Promise<void> {
    // Closed to all but the owner first, so that no moment has the old group with the new mode.
    await chmod(this.path, access.mode & 0o700);
    await chown(this.path, -1, access.gid ?? process.getgid?.() ?? -1);
    await chmod(this.path, access.mode);
    for (const s of this.sockets) s.destroy();
  }

  private pipe(client: Socket, target: string): void {
    const upstream = connect(target);
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      // Either side ending or failing ends both: no half-open display session is left behind.
      s.on('error', () => undefined);
      s.on('close', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Stops listening, ends every relayed connection and removes the socket file. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await unlink(this.path).catch(() => undefined);
  }
}

/** The folder of the relay sockets, inside the sockets folder: traversable, not listable. */
export async function displaysFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o711);
}
