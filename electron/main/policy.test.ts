// The Electron shell's own decisions, as tables, under plain Node (no Electron runtime needed):
// secure preferences, partitions, navigation, permissions, the shell's origin, download names,
// and the clipboard swap (a fake system clipboard stands in for Electron's, which needs a display
// and the runtime).
import { describe, expect, it } from 'vitest';
import type { LevelInfo } from '../../core/contract/methods.js';
import { LevelClipboards, type SystemClipboard } from './clipboard-swap.js';
import {
  downloadName,
  isShellUrl,
  levelOfPartition,
  navigationAllowed,
  partitionFor,
  permissionAllowed,
} from './policy.js';
import { SECURE_WEB_PREFERENCES } from './secure-prefs.js';

const level = (id: string, over: Partial<LevelInfo> = {}): LevelInfo => ({
  id,
  label: id,
  colour: '#000000',
  rank: 0,
  network: 'none',
  ephemeral: false,
  apps: [],
  ...over,
});

describe('secure web preferences', () => {
  it('sandbox, context isolation, no Node, no webview tag, web security, frozen', () => {
    expect(SECURE_WEB_PREFERENCES).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
    });
    expect(Object.isFrozen(SECURE_WEB_PREFERENCES)).toBe(true);
    expect(() => {
      (SECURE_WEB_PREFERENCES as { sandbox: boolean }).sandbox = false;
    }).toThrow();
  });
});

describe('partitions', () => {
  const levels = [level('office'), level('internet', { ephemeral: true })];
  it.each([
    ['office', 'persist:level-office'],
    ['internet', 'level-internet'],
  ])('%s uses %s', (id, partition) => {
    expect(partitionFor(levels.find((l) => l.id === id)!)).toBe(partition);
    expect(levelOfPartition(partition, levels)?.id).toBe(id);
  });
  it.each(['', 'persist:level-nowhere', 'persist:level-internet', 'level-office', 'default'])(
    'knows no level for %j (never a fallback to the default session)',
    (partition) => expect(levelOfPartition(partition, levels)).toBeUndefined(),
  );
});

describe('navigation of a web app', () => {
  const app = { url: 'https://www.wikipedia.org/', origins: ['https://en.wikipedia.org'] };
  it.each([
    ['https://www.wikipedia.org/wiki/x', true],
    ['https://en.wikipedia.org/wiki/Cloison', true],
    ['https://en.wikipedia.org.evil.example/', false],
    ['https://evil.example/?https://en.wikipedia.org', false],
    ['http://en.wikipedia.org/', false],
    ['https://en.wikipedia.org:8443/', false],
    ['javascript:alert(1)', false],
    ['file:///etc/passwd', false],
    ['not a url', false],
  ])('%s → %s', (url, allowed) => expect(navigationAllowed(url, app)).toBe(allowed));
});

describe('permissions', () => {
  const none = level('a');
  const cam = level('b', { webPermissions: ['camera', 'notifications'] });
  it.each([
    [none, 'notifications', [], false],
    [none, 'media', ['video'], false],
    [cam, 'notifications', [], true],
    [cam, 'media', ['video'], true],
    [cam, 'media', ['video', 'audio'], false],
    [cam, 'media', [], false],
    [cam, 'geolocation', [], false],
    [cam, 'openExternal', [], false],
    [cam, 'unknown-future-permission', [], false],
  ] as const)('%#: %s', (lvl, permission, media, allowed) =>
    expect(permissionAllowed(lvl, permission, media)).toBe(allowed),
  );
});

describe('the shell’s own page', () => {
  it.each([
    ['cloison://shell/', true],
    ['cloison://shell/assets/shell.js', true],
    ['cloison://other/', false],
    ['https://shell/', false],
    ['file:///index.html', false],
    ['', false],
  ])('%j → %s', (url, ok) => expect(isShellUrl(url)).toBe(ok));
});

describe('download names', () => {
  it.each([
    ['report.pdf', 'report.pdf'],
    ['../../etc/passwd', 'passwd'],
    ['a\\b\\c.txt', 'c.txt'],
    ['.bashrc', 'bashrc'],
    ['line\nbreak', 'linebreak'],
    ['', 'download'],
  ])('%j → %j', (given, safe) => expect(downloadName(given)).toBe(safe));
});

describe('clipboard swap on a level switch', () => {
  function fakeClipboard(): SystemClipboard & { content: Map<string, Buffer> } {
    const content = new Map<string, Buffer>();
    return {
      content,
      availableFormats: () => [...content.keys()],
      readBuffer: (f) => content.get(f) ?? Buffer.alloc(0),
      writeBuffer: (f, d) => void content.set(f, d),
      clear: () => content.clear(),
    };
  }

  it('holds only the active level’s content, restoring each level’s own', () => {
    const cb = fakeClipboard();
    const swap = new LevelClipboards(cb);
    swap.switchTo('internet');
    cb.writeBuffer('text/plain', Buffer.from('from internet'));
    swap.switchTo('office');
    expect(cb.content.size).toBe(0);
    cb.writeBuffer('text/plain', Buffer.from('from office'));
    swap.switchTo('internet');
    expect(cb.content.get('text/plain')?.toString()).toBe('from internet');
    swap.switchTo('office');
    expect(cb.content.get('text/plain')?.toString()).toBe('from office');
    swap.forget('internet');
    swap.switchTo('internet');
    expect(cb.content.size).toBe(0);
  });
});
