// Canonical serialisation and hashing of audit entries: what the hash chain commits to. Pure code,
// shared by the writer (the daemon) and the verifier (which must not trust the writer).
import { hash as digest } from 'node:crypto';

/** `prev` of the first entry of a log. */
export const ZERO_HASH = '0'.repeat(64);

/**
 * Canonical JSON: no whitespace, object keys sorted recursively by UTF-16 code units (JavaScript's
 * default sort), strings and numbers as JSON.stringify writes them. For the values an entry can
 * hold (strings, finite numbers, booleans, null, arrays, plain objects) this is RFC 8785 (JCS), so
 * a verifier in another language can recompute a hash. Members whose value is `undefined` are
 * omitted, as JSON.stringify does; anything else that JSON cannot carry faithfully (non-finite
 * numbers, bigint, functions, symbols, class instances such as Date or Buffer) is refused rather
 * than silently changed, so that what is hashed is exactly what is read back.
 */
export function canonicalJson(value: unknown): string {
  return write(value, '$');
}

function write(value: unknown, path: string): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value))
        throw new TypeError(`${path} is ${value}, which JSON cannot hold`);
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        return `[${value.map((v, i) => write(v === undefined ? invalid(`${path}[${i}]`) : v, `${path}[${i}]`)).join(',')}]`;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) {
        throw new TypeError(`${path} is not a plain object, array or primitive`);
      }
      const record = value as Record<string, unknown>;
      const parts: string[] = [];
      for (const key of Object.keys(record).sort()) {
        const v = record[key];
        if (v === undefined) continue;
        parts.push(`${JSON.stringify(key)}:${write(v, `${path}.${key}`)}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      throw new TypeError(`${path} is a ${typeof value}, which JSON cannot hold`);
  }
}

function invalid(path: string): never {
  throw new TypeError(`${path} is undefined, which a JSON array cannot hold`);
}

export function sha256Hex(data: string | Buffer): string {
  return digest('sha256', data);
}

/**
 * The line of one entry (without its newline) and its hash.
 *
 * hash = SHA-256(canonicalJson(entry without `hash`)). The line is that same canonical text with
 * the hash added as the *last* member (`…,"hash":"<64 hex>"}`) instead of at its sorted place: a
 * verifier then hashes the line's own bytes up to the hash member, closed by `}`, with no
 * re-serialisation. For lines the writer produced, those bytes are the canonical form, so both
 * definitions agree; for any other line, hashing the stored bytes binds every byte of it.
 */
export function encodeEntry(withoutHash: Record<string, unknown>): { line: string; hash: string } {
  if ('hash' in withoutHash) throw new TypeError('an entry to encode already has a hash');
  const canonical = canonicalJson(withoutHash);
  const hash = sha256Hex(canonical);
  if (canonical === '{}') throw new TypeError('an entry has at least seq, time, actor and event');
  return { line: `${canonical.slice(0, -1)},"hash":"${hash}"}`, hash };
}

const SUFFIX_START = Buffer.from(',"hash":"');
/** `,"hash":"` + 64 hex + `"}` */
export const HASH_SUFFIX_BYTES = SUFFIX_START.length + 64 + 2;
const COMMA = 0x2c;
const QUOTE = 0x22;
const BRACE = 0x7d;

/**
 * Checks that a stored line (without its newline) carries the hash of its own bytes. Returns the
 * stored hash when it does, `undefined` when the line has no well-formed hash member at its end or
 * the hash does not match. Does not parse the JSON: callers do, for seq and prev. The line's
 * buffer is modified during the call and restored before it returns.
 */
export function lineHashMatches(line: Buffer): string | undefined {
  const n = line.length;
  if (n < HASH_SUFFIX_BYTES + 2) return undefined;
  const start = n - HASH_SUFFIX_BYTES;
  if (line[n - 1] !== BRACE || line[n - 2] !== QUOTE) return undefined;
  if (
    line.compare(SUFFIX_START, 0, SUFFIX_START.length, start, start + SUFFIX_START.length) !== 0
  ) {
    return undefined;
  }
  const stored = line.toString('latin1', n - 66, n - 2);
  // Hash the bytes up to the hash member closed by `}` without copying them: the `,` that opens
  // the member is replaced by `}` for the time of the (synchronous) hash, then put back.
  line[start] = BRACE;
  const computed = digest('sha256', line.subarray(0, start + 1));
  line[start] = COMMA;
  return computed === stored ? stored : undefined;
}
