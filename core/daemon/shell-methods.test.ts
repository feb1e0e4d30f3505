// The daemon methods the shell needs beyond the CLI's: the clipboard buffer (capture, paste) and
// the file browser's listing of a level's home. Real daemon, real files.
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonClient } from '../client/client.js';
import { startDaemon, type TestDaemon } from '../testing/daemon.js';

let daemon: TestDaemon;
let user: DaemonClient;

beforeAll(async () => {
  daemon = await startDaemon();
  user = await daemon.client('user');
});
afterAll(async () => {
  user?.close();
  await daemon?.cleanup();
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { code: string }).code;
  }
  return 'resolved';
}

describe('files.list', () => {
  beforeAll(async () => {
    const home = daemon.home('office');
    await mkdir(join(home, 'docs'), { recursive: true });
    await writeFile(join(home, 'docs', 'report.pdf'), Buffer.alloc(1234));
    await writeFile(join(home, 'notes.txt'), 'hello');
    await symlink('/etc', join(home, 'etc-link'));
  });

  it('lists the home with kinds and sizes, links shown as other and never followed', async () => {
    const listed = await user.call('files.list', { level: 'office', path: '' });
    expect(listed.path).toBe('');
    expect(listed.entries).toEqual([
      { name: 'docs', kind: 'folder', size: 0 },
      { name: 'etc-link', kind: 'other', size: 0 },
      { name: 'notes.txt', kind: 'file', size: 5 },
    ]);
  });

  it('lists a sub-folder by its relative path', async () => {
    const listed = await user.call('files.list', { level: 'office', path: 'docs/' });
    expect(listed).toMatchObject({ path: 'docs', entries: [{ name: 'report.pdf', size: 1234 }] });
  });

  it('refuses to climb out, to follow a link or to take an absolute path', async () => {
    expect(await codeOf(user.call('files.list', { level: 'office', path: '../..' }))).toBe(
      'BAD_PATH',
    );
    expect(await codeOf(user.call('files.list', { level: 'office', path: 'etc-link' }))).toBe(
      'BAD_PATH',
    );
    expect(await codeOf(user.call('files.list', { level: 'office', path: '/etc' }))).toBe(
      'BAD_PATH',
    );
    expect(await codeOf(user.call('files.list', { level: 'nowhere', path: '' }))).toBe(
      'NO_SUCH_LEVEL',
    );
  });
});

describe('clipboard.capture and clipboard.paste', () => {
  it('refuses a paste when nothing was captured, naming what to do', async () => {
    await expect(user.call('clipboard.paste', { to: 'office' })).rejects.toMatchObject({
      code: 'CLIPBOARD_EMPTY',
      message: expect.stringContaining('Ctrl+Shift+C'),
    });
  });

  it('refuses to capture from a level that is not running, or that does not exist', async () => {
    expect(await codeOf(user.call('clipboard.capture', { from: 'internet' }))).toBe(
      'LEVEL_NOT_RUNNING',
    );
    expect(await codeOf(user.call('clipboard.capture', { from: 'nowhere' }))).toBe('NO_SUCH_LEVEL');
  });

  it('is served on the user socket only', async () => {
    const admin = await daemon.client('admin');
    try {
      expect(await codeOf(admin.call('clipboard.capture', { from: 'internet' }))).toBe(
        'WRONG_SOCKET',
      );
    } finally {
      admin.close();
    }
  });
});
