// The X authority of one level's display: a random MIT-MAGIC-COOKIE-1 that only that level's
// compartments (and the daemon's own clipboard and remote-display helpers) are given. Pure.
import { randomBytes } from 'node:crypto';

/** FamilyWild: the entry matches whatever display name the client uses (":0" in every sandbox). */
const FAMILY_WILD = 0xffff;
const PROTOCOL = 'MIT-MAGIC-COOKIE-1';

export function newCookie(): Buffer {
  return randomBytes(16);
}

/** The bytes of an Xauthority file holding one wildcard entry for `cookie` (Xau's format). */
export function xauthorityFile(cookie: Uint8Array): Buffer {
  const field = (bytes: Uint8Array) => {
    const length = Buffer.alloc(2);
    length.writeUInt16BE(bytes.length);
    return [length, Buffer.from(bytes)];
  };
  const family = Buffer.alloc(2);
  family.writeUInt16BE(FAMILY_WILD);
  return Buffer.concat([
    family,
    ...field(new Uint8Array()), // address
    ...field(new Uint8Array()), // display number
    ...field(Buffer.from(PROTOCOL, 'latin1')),
    ...field(cookie),
  ]);
}
