// The X authority file, checked against the X library's own reader (xauth), not only by bytes.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newCookie, xauthorityFile } from './xauth.js';

describe('xauthorityFile', () => {
  it('holds one wildcard MIT-MAGIC-COOKIE-1 entry with the cookie, as xauth reads it', () => {
    const cookie = newCookie();
    const dir = mkdtempSync(join(tmpdir(), 'cloison-xauth-'));
    try {
      const file = join(dir, 'Xauthority');
      writeFileSync(file, xauthorityFile(cookie));
      const listed = execFileSync('xauth', ['-f', file, 'nlist'], { encoding: 'utf8' }).trim();
      // nlist: family, address length+hex, number length+hex, name length+hex, data length+hex.
      expect(listed.split(/\s+/)).toEqual([
        'ffff',
        '0000',
        '0000',
        '0012',
        Buffer.from('MIT-MAGIC-COOKIE-1').toString('hex'),
        '0010',
        cookie.toString('hex'),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('makes a new random cookie each time', () => {
    expect(newCookie().equals(newCookie())).toBe(false);
    expect(newCookie()).toHaveLength(16);
  });
});
