// Who is at the other end of a Unix socket, as the kernel says (SO_PEERCRED), never as the peer
// claims. Node has no call for it, so perl-base (Essential in Debian, and the compartments'
// launcher already needs it) reads it from a duplicate of the socket's descriptor.
import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';

export interface Peer {
  pid: number;
  uid: number;
  gid: number;
}

const READ_PEERCRED = [
  'use Socket;',
  'my $c = getsockopt(STDIN, SOL_SOCKET, SO_PEERCRED) or die "getsockopt: $!\\n";',
  'print join(" ", unpack("iII", $c)), "\\n";',
].join(' ');

/** Parses perl's answer: three decimal numbers; anything else is no answer. */
export function parsePeer(text: string): Peer | undefined {
  const match = /^(\d{1,10}) (\d{1,10}) (\d{1,10})\n$/u.exec(text);
  if (!match) return undefined;
  const [pid, uid, gid] = match.slice(1).map(Number) as [number, number, number];
  return { pid, uid, gid };
}

/**
 * The peer's credentials, or undefined when they cannot be read (then the connection is treated
 * as nobody else's: it matches no other session).
 */
export function peerOf(socket: Socket, timeoutMs = 10_000): Promise<Peer | undefined> {
  return new Promise((resolve) => {
    let out = '';
    let child;
    try {
      // The socket as the child's stdin: a duplicate descriptor; perl neither reads nor writes it.
      child = spawn('/usr/bin/perl', ['-e', READ_PEERCRED], {
        stdio: [socket, 'pipe', 'ignore'],
        timeout: timeoutMs,
      });
    } catch {
      resolve(undefined);
      return;
    }
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    // Node stops reading a socket it hands to a child: reading starts again once the child is done.
    const done = (peer: Peer | undefined) => {
      if (!socket.destroyed) socket.resume();
      resolve(peer);
    };
    child.on('error', () => done(undefined));
    child.on('close', (code) => done(code === 0 ? parsePeer(out) : undefined));
  });
}
