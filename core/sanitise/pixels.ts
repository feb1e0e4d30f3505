// Pixels out of a throw-away compartment: the only thing a renderer fed hostile bytes may hand back.
// A strict, incremental reader of binary PPM (P6: RGB) and PAM (P7) frames, pure and bounded:
// every header is checked (size, channels, count) before its pixels are accepted, so a lying or
// compromised renderer can neither make the broker allocate more than one bounded frame nor slip
// anything but pixels through.
import { CloisonError } from '../contract/errors.js';
import type { SanitiserName } from './catalogue.js';

export interface Frame {
  width: number;
  height: number;
  /** 1 grey, 2 grey + alpha, 3 RGB, 4 RGB + alpha; 8 bits each. */
  channels: 1 | 2 | 3 | 4;
  pixels: Buffer;
}

export interface FrameLimits {
  /** Largest frame, width × height. */
  maxPixels: number;
  /** Most frames in the stream. */
  maxFrames: number;
}

// Exactly what pdftoppm writes, and what the image decoder writes: no comments, one form.
const P6 = /^P6\n(\d{1,6}) (\d{1,6})\n255\n/;
const P7 =
  /^P7\nWIDTH (\d{1,6})\nHEIGHT (\d{1,6})\nDEPTH ([1-4])\nMAXVAL 255\nTUPLTYPE (GRAYSCALE|GRAYSCALE_ALPHA|RGB|RGB_ALPHA)\nENDHDR\n/;
const TUPLE_DEPTH: Record<string, number> = {
  GRAYSCALE: 1,
  GRAYSCALE_ALPHA: 2,
  RGB: 3,
  RGB_ALPHA: 4,
};
/** The longest frame header either form can have. */
export const MAX_HEADER = 128;

/** The frame header at the start of `head`: its size, or undefined when more bytes are needed. */
export function parseFrameHeader(
  head: Buffer,
): { width: number; height: number; channels: Frame['channels']; length: number } | undefined {
  const text = head.subarray(0, MAX_HEADER).toString('latin1');
  const p6 = P6.exec(text);
  if (p6) return { width: Number(p6[1]), height: Number(p6[2]), channels: 3, length: p6[0].length };
  const p7 = P7.exec(text);
  if (p7) {
    const depth = Number(p7[3]);
    if (TUPLE_DEPTH[p7[4]!] !== depth) throw new Error(`PAM depth ${depth} is not ${p7[4]}`);
    return {
      width: Number(p7[1]),
      height: Number(p7[2]),
      channels: depth as Frame['channels'],
      length: p7[0].length,
    };
  }
  // Not a header yet: either more bytes are needed, or it is not a header at all.
  const prefix = 'P6\n'.startsWith(text.slice(0, 3)) || 'P7\n'.startsWith(text.slice(0, 3));
  if (text.length < MAX_HEADER && prefix && !/[^\x20-\x7e\n]/.test(text)) return undefined;
  throw new Error('the stream holds something other than a PPM or PAM frame');
}

/**
 * Reads frames from a stream pushed chunk by chunk. Throws a CloisonError (TOO_LARGE for a frame
 * or a count over the limits, BAD_CONTENT for anything malformed) as soon as it knows.
 */
export class FrameReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private header: ReturnType<typeof parseFrameHeader>;
  private frames = 0;

  constructor(
    private readonly sanitiser: SanitiserName,
    private readonly limits: FrameLimits,
    /** What a frame is called in errors: "page", "image". */
    private readonly noun = 'frame',
  ) {}

  /** Frames read so far. */
  get count(): number {
    return this.frames;
  }

  /** Adds bytes; returns the frames they complete, in order. */
  push(chunk: Buffer): Frame[] {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    const out: Frame[] = [];
    for (;;) {
      if (!this.header) {
        if (this.pendingBytes === 0) break;
        const head = this.peek(MAX_HEADER);
        let header;
        try {
          header = parseFrameHeader(head);
        } catch (error) {
          throw this.fail('BAD_CONTENT', `${(error as Error).message}`);
        }
        if (!header) break;
        this.check(header);
        this.take(header.length);
        this.header = header;
      }
      const size = this.header.width * this.header.height * this.header.channels;
      if (this.pendingBytes < size) break;
      const pixels = this.take(size);
      out.push({
        width: this.header.width,
        height: this.header.height,
        channels: this.header.channels,
        pixels,
      });
      this.header = undefined;
      this.frames++;
    }
    return out;
  }

  /**
   * One whole frame in a buffer of its own (a page file): its header checked as `push` checks it,
   * its length exactly what the header says, or it is refused. The pixels are not copied.
   */
  whole(bytes: Buffer): Frame {
    if (this.header || this.pendingBytes > 0) throw new Error('whole() in the middle of a stream');
    let header;
    try {
      header = parseFrameHeader(bytes);
    } catch (error) {
      throw this.fail(
        'BAD_CONTENT',
        `${this.noun} ${this.frames + 1}: ${(error as Error).message}`,
      );
    }
    if (!header) {
      throw this.fail(
        'BAD_CONTENT',
        `${this.noun} ${this.frames + 1} was cut short by the renderer`,
      );
    }
    this.check(header);
    const size = header.width * header.height * header.channels;
    if (bytes.length !== header.length + size) {
      throw this.fail(
        'BAD_CONTENT',
        `${this.noun} ${this.frames + 1} holds ${bytes.length - header.length} bytes of pixels, not the ${size} its header says (${header.width}×${header.height})`,
        { bytes: bytes.length - header.length, expected: size },
      );
    }
    this.frames++;
    const { width, height, channels } = header;
    return { width, height, channels, pixels: bytes.subarray(header.length) };
  }

  /** The stream ended: refuses a frame cut short. */
  end(): void {
    if (this.header || this.pendingBytes > 0) {
      throw this.fail(
        'BAD_CONTENT',
        `${this.noun} ${this.frames + 1} was cut short by the renderer`,
      );
    }
  }

  private check(header: NonNullable<ReturnType<typeof parseFrameHeader>>): void {
    const { width, height } = header;
    const n = this.frames + 1;
    if (n > this.limits.maxFrames) {
      throw this.fail(
        'TOO_LARGE',
        `the renderer sent more than the ${this.limits.maxFrames} ${this.noun}s expected`,
      );
    }
    if (width === 0 || height === 0) {
      throw this.fail('BAD_CONTENT', `${this.noun} ${n} has no pixels (${width}×${height})`);
    }
    if (width * height > this.limits.maxPixels) {
      throw this.fail(
        'TOO_LARGE',
        `${this.noun} ${n} is ${width}×${height} pixels (${width * height}), over the limit of ${this.limits.maxPixels} pixels`,
        { width, height, maxPixels: this.limits.maxPixels },
      );
    }
  }

  private peek(n: number): Buffer {
    if (this.pending.length > 1) this.pending = [Buffer.concat(this.pending)];
    return this.pending[0]!.subarray(0, n);
  }

  /** The first `n` pending bytes, copied once into a buffer of their own. */
  private take(n: number): Buffer {
    const taken = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const head = this.pending[0]!;
      const part = Math.min(head.length, n - filled);
      head.copy(taken, filled, 0, part);
      filled += part;
      if (part === head.length) this.pending.shift();
      else this.pending[0] = head.subarray(part);
    }
    this.pendingBytes -= n;
    return taken;
  }

  private fail(
    code: 'TOO_LARGE' | 'BAD_CONTENT',
    what: string,
    details: Record<string, unknown> = {},
  ): CloisonError {
    const message = `${what.charAt(0).toUpperCase()}${what.slice(1)}.`;
    return new CloisonError(code, message, { ...details, sanitiser: this.sanitiser });
  }
}
