// Passphrases of administrators and auditors, kept only as scrypt hashes (slow on purpose: a stolen
// configuration costs an attacker per guess what it costs the daemon per login). No I/O.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** scrypt's cost: about 50 ms and 32 MiB per attempt on the machines we checked. */
const COST = { N: 32_768, r: 8, p: 1 } as const;
const KEY_BYTES = 32;

function derive(passphrase: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(
      passphrase.normalize('NFKC'),
      salt,
      KEY_BYTES,
      { ...options, maxmem: 128 * options.N! * options.r! * 2 },
      (err, key) => (err ? reject(err) : resolve(key)),
    ),
  );
}

/** `scrypt$N$r$p$salt$hash`, salt and hash in base64. */
export async function hashPassphrase(passphrase: string): Promise<string> {
  if (passphrase.length < 12) {
    throw new Error('A passphrase has at least 12 characters.');
  }
  const salt = randomBytes(16);
  const key = await derive(passphrase, salt, COST);
  return `scrypt$${COST.N}$${COST.r}$${COST.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Whether `passphrase` is the one `stored` was made from; false for any malformed `stored`. */
export async function verifyPassphrase(passphrase: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const options = { N: Number(n), r: Number(r), p: Number(p) };
  // Bounded, so that a configuration cannot make a login cost the daemon its memory.
  if (options.N > 1_048_576 || options.r > 32 || options.p > 16) return false;
  const expected = Buffer.from(hash, 'base64');
  if (expected.length !== KEY_BYTES) return false;
  const key = await derive(passphrase, Buffer.from(salt, 'base64'), options).catch(() => undefined);
  return key !== undefined && timingSafeEqual(key, expected);
}

/** A hash no passphrase matches, verified for unknown accounts so that they take as long. */
export const NO_ACCOUNT_HASH = `scrypt$${COST.N}$${COST.r}$${COST.p}$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(KEY_BYTES, 1).toString('base64')}`;
