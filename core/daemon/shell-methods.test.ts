// The daemon methods the shell needs beyond the CLI's: the clipboard buffer (capture, paste), the
// file browser's listing of a level's home and its preview of a send. Real daemon, real files.
import { existsSync } from 'node:fs';
import { copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
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

describe('files.preview', () => {
  beforeAll(async () => {
    const home = daemon.home('office');
    // A PDF under a text name, and text under a PDF name: the bytes decide, not the names.
    await copyFile('/work/shared/cases/documents/tracemonkey.pdf', join(home, 'minutes.txt'));
    await writeFile(join(home, 'scan.pdf'), 'only words\n');
  });

  it('decides from the bytes, as the send will, and names each file with its real type', async () => {
    const preview = await user.call('files.preview', {
      from: 'office',
      to: 'restricted',
      paths: ['minutes.txt', 'scan.pdf'],
    });
    expect(preview.items.map((i) => [i.name, i.type, i.decision.ruleId])).toEqual([
      ['minutes.txt', 'application/pdf', 'pdf-up'],
      ['scan.pdf', 'text/plain', 'text-files-up'],
    ]);
    expect(preview.items[0]!.typeMismatch).toBeDefined();
    expect(preview.items[0]!.size).toBe(1016315);
    expect(preview.decision.action).toBe('ask');
  });

  it('reads only the head of a file, and says when the send will check the rest', async () => {
    // Text for the first megabyte, then a NUL: the preview sees text, the send sees binary.
    const home = daemon.home('office');
    await writeFile(
      join(home, 'long.txt'),
      Buffer.concat([Buffer.alloc(1 << 20, 'a'), Buffer.from([0])]),
    );
    const preview = await user.call('files.preview', {
      from: 'office',
      to: 'restricted',
      paths: ['long.txt'],
    });
    expect(preview.items[0]).toMatchObject({
      type: 'text/plain',
      checkedWhole: false,
      size: (1 << 20) + 1,
    });
    const sent = await user
      .call('files.send', { from: 'office', to: 'restricted', paths: ['long.txt'] })
      .catch((e: unknown) => e as { code: string });
    expect(sent).toMatchObject({ code: 'DENIED_BY_RULE' });
  });

  it('sends, holds and writes nothing', async () => {
    const before = (await user.call('transfers.list', {})).transfers;
    await user.call('files.preview', { from: 'office', to: 'restricted', paths: ['scan.pdf'] });
    expect((await user.call('transfers.list', {})).transfers).toEqual(before);
    expect(existsSync(join(daemon.home('restricted'), 'Incoming'))).toBe(false);
  });

  it('refuses what the send would refuse: a path out of the home, a level that does not exist', async () => {
    expect(
      await codeOf(
        user.call('files.preview', { from: 'office', to: 'restricted', paths: ['../x'] }),
      ),
    ).toBe('BAD_PATH');
    expect(
      await codeOf(
        user.call('files.preview', { from: 'office', to: 'nowhere', paths: ['scan.pdf'] }),
      ),
    ).toBe('NO_SUCH_LEVEL');
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

  it('keeps the captured content when the target is not running, and pastes it once it runs', async () => {
    const admin = await daemon.client('admin');
    try {
      await user.call('levels.start', { level: 'internet' });
      await admin.call('compartments.run', {
        level: 'internet',
        argv: [
          '/bin/sh',
          '-c',
          "printf '%s' 'kept for later' | xclip -selection clipboard -i -quiet",
        ],
      });
      const deadline = Date.now() + 20_000;
      for (;;) {
        const got = await user
          .call('clipboard.capture', { from: 'internet' })
          .catch(() => undefined);
        if (got) break;
        if (Date.now() > deadline) throw new Error('nothing to capture in internet');
        await new Promise((r) => setTimeout(r, 100));
      }
      await expect(user.call('clipboard.paste', { to: 'office' })).rejects.toMatchObject({
        code: 'LEVEL_NOT_RUNNING',
        message: expect.stringContaining('The captured content is kept'),
      });
      await user.call('levels.start', { level: 'office' });
      const pasted = await user.call('clipboard.paste', { to: 'office' });
      expect(pasted).toMatchObject({ from: 'internet', to: 'office', status: 'delivered' });
      // The paste emptied the buffer, as always.
      expect(await codeOf(user.call('clipboard.paste', { to: 'office' }))).toBe('CLIPBOARD_EMPTY');
    } finally {
      admin.close();
      await user.call('levels.stop', { level: 'office' });
      await user.call('levels.stop', { level: 'internet' });
    }
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
