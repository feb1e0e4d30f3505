// The store's slices as specifications, against a scripted API (a fake stands in for the daemon
// here only: the end-to-end tests drive the real one). Each test gets a fresh store.
import { describe, expect, it, vi } from 'vitest';
import { CloisonError } from '../../core/contract/errors.js';
import type { Event, LevelInfo, Transfer } from '../../core/contract/methods.js';
import type { ShellApi, ShellMethod } from '../../core/contract/shell.js';
import { shortcutOf } from './settings.js';
import { createShellStore } from './store.js';
import { MAX_NOTIFICATIONS, NOTICE_MS } from './notifications.js';

const level = (id: string, rank: number): LevelInfo => ({
  id,
  label: id[0]!.toUpperCase() + id.slice(1),
  colour: '#123456',
  rank,
  network: 'none',
  ephemeral: false,
  apps: [{ id: 'terminal', label: 'Terminal', type: 'native' }],
});

const transfer = (over: Partial<Transfer>): Transfer => ({
  id: 't-1',
  kind: 'clipboard',
  from: 'internet',
  to: 'office',
  status: 'delivered',
  requester: 'alice',
  createdAt: '2026-12-03T10:00:00.000Z',
  decision: { action: 'allow', ruleId: 'text-up', reason: 'rule text-up allows' },
  items: [
    {
      type: 'text/plain',
      size: 14,
      sha256: 'a'.repeat(64),
      decision: { action: 'allow', ruleId: 'text-up', reason: '' },
    },
  ],
  ...over,
});

/** An API whose answers the test scripts; records the calls in order. */
function scripted(answers: Partial<Record<ShellMethod, (params: unknown) => unknown>>) {
  const calls: { method: string; params: unknown }[] = [];
  const api: ShellApi = {
    mode: 'browser',
    async call(method, params) {
      calls.push({ method, params });
      const answer = answers[method];
      if (!answer) throw new CloisonError('UNKNOWN_METHOD', `not scripted: ${method}`);
      return (await answer(params)) as never;
    },
    onEvent: () => () => {},
    vncUrl: async (level) => `ws://test/vnc/${level}`,
  };
  return { api, calls };
}

const levelsApi = {
  'levels.list': () => ({ levels: [level('office', 1), level('internet', 0)] }),
  'levels.status': () => ({ levels: [] }),
  'kiosk.status': () => ({
    enabled: false,
    levels: ['office', 'internet'],
    launchable: {},
    idleSeconds: 0,
    failures: [],
  }),
};

describe('levels slice', () => {
  it('orders levels by rank and makes the lowest one active', async () => {
    const store = createShellStore(scripted(levelsApi).api);
    await store.getState().refreshLevels();
    expect(store.getState().levels.map((l) => l.id)).toEqual(['internet', 'office']);
    expect(store.getState().active).toBe('internet');
  });

  it('turns a failed call into an error notification naming the code', async () => {
    const store = createShellStore(scripted({}).api);
    await store.getState().refreshLevels();
    expect(store.getState().loaded).toBe(false);
    expect(store.getState().notifications[0]).toMatchObject({ kind: 'error' });
    expect(store.getState().notifications[0]!.text).toContain('UNKNOWN_METHOD');
  });
});

describe('workspaces slice', () => {
  it('switches to a known level and ignores an unknown one', async () => {
    const store = createShellStore(scripted(levelsApi).api);
    await store.getState().refreshLevels();
    expect(store.getState().switchToLevel('office')).toBe(true);
    expect(store.getState().active).toBe('office');
    expect(store.getState().switchToLevel('nowhere')).toBe(false);
    expect(store.getState().active).toBe('office');
    expect(store.getState().levelAt(0)).toBe('internet');
    expect(store.getState().levelAt(8)).toBeUndefined();
  });
});

describe('web apps', () => {
  const withWeb = {
    'levels.list': () => ({
      levels: [
        {
          ...level('internet', 0),
          apps: [{ id: 'browser', label: 'Browser', type: 'web', url: 'https://example.org/' }],
        },
      ],
    }),
    'levels.status': () => ({ levels: [] }),
  };

  it('open as views of the Electron shell, never through the daemon’s native launch', async () => {
    const opened: string[] = [];
    const { api, calls } = scripted(withWeb);
    api.openWebApp = (l, a) => void opened.push(`${l}/${a}`);
    const store = createShellStore(api);
    await store.getState().refreshLevels();
    expect(store.getState().webViews).toBe(true);
    await store.getState().launchApp('internet', 'browser');
    expect(opened).toEqual(['internet/browser']);
    expect(calls.map((c) => c.method)).not.toContain('apps.launch');
  });

  it("are launched by the daemon in the level's compartment where no views exist (the browser host)", async () => {
    const { api, calls } = scripted({
      ...withWeb,
      'apps.launch': () => ({
        id: 'a-1',
        level: 'internet',
        app: 'browser',
        argv: ['/usr/bin/bwrap'],
        state: 'running',
        startedAt: new Date(0).toISOString(),
        launchedBy: 'user',
      }),
    });
    const store = createShellStore(api);
    await store.getState().refreshLevels();
    expect(store.getState().webViews).toBe(false);
    await store.getState().launchApp('internet', 'browser');
    expect(calls).toContainEqual({
      method: 'apps.launch',
      params: { level: 'internet', app: 'browser' },
    });
  });
});

describe('transfers slice', () => {
  it('tells a delivery with bytes, type and the rule that decided', () => {
    const store = createShellStore(scripted({}).api);
    store.getState().applyTransfer(transfer({}));
    expect(store.getState().notifications.map((n) => n.text)).toEqual([
      expect.stringContaining(
        '14 bytes (text/plain) delivered from internet to office by rule text-up',
      ),
    ]);
  });

  it('never keeps clipboard content in the shell', () => {
    const store = createShellStore(scripted({}).api);
    store.getState().applyTransfer(transfer({ clipboard: [{ type: 'text/plain', data: 'aGk=' }] }));
    expect(store.getState().transfers['t-1']!.clipboard).toBeUndefined();
  });

  it('tells a refusal in full, never silently', async () => {
    const reason = `Denied: text/plain may not go from office to internet. ${'because '.repeat(50)}`;
    const { api } = scripted({
      'clipboard.paste': () => {
        throw new CloisonError('DENIED_BY_RULE', reason);
      },
    });
    const store = createShellStore(api);
    await store.getState().pasteClipboard('internet');
    const [note] = store.getState().notifications;
    expect(note).toMatchObject({ kind: 'error', level: 'internet' });
    expect(note!.text).toBe(`Refused: ${reason}`);
  });

  it('runs clipboard keys in the order pressed: a paste waits for its capture', async () => {
    let release!: () => void;
    const { api, calls } = scripted({
      'clipboard.capture': () =>
        new Promise((r) => {
          release = () =>
            r({
              from: 'internet',
              items: [{ type: 'text/plain', size: 3 }],
              capturedAt: '2026-12-03T10:00:00.000Z',
            });
        }),
      'clipboard.paste': () => transfer({}),
    });
    const store = createShellStore(api);
    const captured = store.getState().captureClipboard('internet');
    const pasted = store.getState().pasteClipboard('office');
    await new Promise((r) => setTimeout(r, 10));
    expect(calls.map((c) => c.method)).toEqual(['clipboard.capture']);
    release();
    await Promise.all([captured, pasted]);
    expect(calls.map((c) => c.method)).toEqual(['clipboard.capture', 'clipboard.paste']);
    expect(store.getState().captured).toBeUndefined();
  });

  it('lists transfers waiting for the user, oldest first, and files that arrived in a level', () => {
    const store = createShellStore(scripted({}).api);
    const s = store.getState();
    s.applyTransfer(
      transfer({
        id: 'b',
        kind: 'file',
        status: 'waiting-for-user',
        createdAt: '2026-12-03T10:00:02.000Z',
      }),
    );
    s.applyTransfer(
      transfer({
        id: 'a',
        kind: 'file',
        status: 'waiting-for-user',
        createdAt: '2026-12-03T10:00:01.000Z',
      }),
    );
    s.applyTransfer(transfer({ id: 'c', kind: 'file', status: 'delivered' }));
    expect(
      store
        .getState()
        .waitingForUser()
        .map((t) => t.id),
    ).toEqual(['a', 'b']);
    expect(
      store
        .getState()
        .arrivedIn('office')
        .map((t) => t.id),
    ).toEqual(['c']);
    expect(store.getState().arrivedIn('internet')).toEqual([]);
  });
});

describe('transfers at start', () => {
  it('records what the daemon holds without a notification, and keeps newer news', async () => {
    const { api } = scripted({
      'transfers.list': () => ({
        transfers: [
          transfer({ id: 'old', kind: 'file', status: 'waiting-for-user' }),
          transfer({ id: 'seen', status: 'waiting-for-user' }),
        ],
      }),
    });
    const store = createShellStore(api);
    store.getState().applyTransfer(transfer({ id: 'seen', status: 'delivered' }));
    const before = store.getState().notifications.length;
    await store.getState().loadTransfers();
    expect(store.getState().notifications).toHaveLength(before);
    expect(
      store
        .getState()
        .waitingForUser()
        .map((t) => t.id),
    ).toEqual(['old']);
    expect(store.getState().transfers.seen!.status).toBe('delivered');
  });
});

describe('events', () => {
  it('applies level and progress events as the daemon reports them', () => {
    const store = createShellStore(scripted({}).api);
    const events: Event[] = [
      { type: 'level.updated', level: { level: 'office', running: true, apps: [] } },
      { type: 'transfer.progress', id: 't-9', bytesDone: 5, bytesTotal: 10 },
      {
        type: 'transfer.sanitising',
        id: 't-9',
        from: 'internet',
        to: 'office',
        name: 'report.pdf',
        sanitiser: 'pdf-rasterise',
        done: 3,
        total: 20,
      },
    ];
    for (const e of events) store.getState().receive(e);
    expect(store.getState().states.office?.running).toBe(true);
    expect(store.getState().progress['t-9']).toEqual({ done: 5, total: 10 });
    expect(store.getState().sanitising['t-9']).toEqual({
      name: 'report.pdf',
      sanitiser: 'pdf-rasterise',
      done: 3,
      total: 20,
    });
  });

  it('shows a conversion waiting for a slot until its pages start', () => {
    const store = createShellStore(scripted({}).api);
    const base = {
      type: 'transfer.sanitising' as const,
      id: 't-3',
      from: 'internet',
      to: 'office',
      name: 'a.pdf',
      sanitiser: 'pdf-rasterise',
    };
    store.getState().receive({ ...base, done: 0, total: 0, waiting: 1 });
    expect(store.getState().sanitising['t-3']).toMatchObject({ waiting: 1 });
    store.getState().receive({ ...base, done: 0, total: 4 });
    expect(store.getState().sanitising['t-3']).toEqual({
      name: 'a.pdf',
      sanitiser: 'pdf-rasterise',
      done: 0,
      total: 4,
    });
  });
});

describe('settings slice', () => {
  it('follows the system locale, and the setting overrides it', () => {
    const store = createShellStore(scripted({}).api, { languages: ['fr-CA', 'en'] });
    expect(store.getState().locale).toBe('fr');
    expect(store.getState().t('nowIn', { level: 'Bureau' })).toBe(
      'Vous êtes dans le niveau Bureau',
    );
    store.getState().setLocale('en');
    expect(store.getState().t('nowIn', { level: 'Office' })).toBe('Now in level Office');
    store.getState().setLocale(undefined);
    expect(store.getState().locale).toBe('fr');
    expect(createShellStore(scripted({}).api, { languages: ['de'] }).getState().locale).toBe('en');
  });

  it('spells shortcuts from key events, and they can be changed', () => {
    const store = createShellStore(scripted({}).api);
    const e = { ctrlKey: true, altKey: true, shiftKey: false, metaKey: false, code: 'Digit2' };
    expect(store.getState().shortcuts.indexOf(shortcutOf(e))).toBe(1);
    store.getState().setShortcut(1, 'Ctrl+Shift+F2');
    expect(store.getState().shortcuts.indexOf(shortcutOf(e))).toBe(-1);
  });
});

describe('notifications slice', () => {
  it('lets good news go after a while and keeps errors until dismissed', () => {
    vi.useFakeTimers();
    try {
      const store = createShellStore(scripted({}).api);
      store.getState().notify({ kind: 'success', text: 'delivered' });
      const refusal = store.getState().notify({ kind: 'error', text: 'refused' });
      vi.advanceTimersByTime(NOTICE_MS + 1);
      expect(store.getState().notifications.map((n) => n.text)).toEqual(['refused']);
      store.getState().dismiss(refusal);
      expect(store.getState().notifications).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps the newest few, so the stack stays on screen', () => {
    const store = createShellStore(scripted({}).api);
    for (let i = 0; i < MAX_NOTIFICATIONS + 3; i++)
      store.getState().notify({ kind: 'error', text: `refusal ${i}` });
    const shown = store.getState().notifications.map((n) => n.text);
    expect(shown).toHaveLength(MAX_NOTIFICATIONS);
    expect(shown.at(-1)).toBe(`refusal ${MAX_NOTIFICATIONS + 2}`);
    expect(shown[0]).toBe('refusal 3');
  });
});
