// Splits a byte stream into newline-terminated messages with a size limit: the framing of the
// daemon's sockets, on both sides. The peer may be any local process allowed to open the socket.

export type Frame = { kind: 'message'; text: string } | { kind: 'oversize'; bytes: number };

/**
 * Feeds chunks, yields complete lines. A line longer than `maxBytes` is reported once, as soon as
 * it goes over, and skipped up to its newline: the peer gets an error, the connection keeps its
 * framing, and the daemon never buffers more than `maxBytes`.
 */
export class LineFramer {
  private parts: Buffer[] = [];
  private size = 0;
  private discarding = false;

  constructor(private readonly maxBytes: number) {}

  *push(chunk: Buffer): Generator<Frame> {
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(0x0a, start);
      const piece = chunk.subarray(start, nl === -1 ? chunk.length : nl);
      if (!this.discarding && this.size + piece.length > this.maxBytes) {
        this.discarding = true;
        yield { kind: 'oversize', bytes: this.size + piece.length };
        this.parts = [];
        this.size = 0;
      } else if (!this.discarding && piece.length > 0) {
        this.parts.push(piece);
        this.size += piece.length;
      }
      if (nl === -1) break;
      if (this.discarding) {
        this.discarding = false;
      } else {
        const text = Buffer.concat(this.parts, this.size).toString('utf8');
        this.parts = [];
        this.size = 0;
        if (text.trim() !== '') yield { kind: 'message', text };
      }
      start = nl + 1;
    }
  }
}
