// Binding a Unix socket that must not be reachable before its owner sets its mode: the socket file
// is created owner-only, whatever the process's umask, and widened afterwards by the caller.
import type { Server } from 'node:net';

/** Listens on `path` with the socket file created mode 0600 (the bind happens in this call). */
export function listenPrivately(server: Server, path: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Node binds a pipe synchronously inside listen(): the umask covers the bind and nothing else.
    const previous = process.umask(0o177);
    try {
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    } finally {
      process.umask(previous);
    }
  });
}
