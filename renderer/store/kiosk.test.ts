// The kiosk slice as specifications, against a scripted API (a fake stands in for the daemon here
// only; core/kiosk/kiosk.test.ts and e2e/kiosk.test.ts drive the real one).
import { describe, expect, it } from 'vitest';
import { CloisonError } from '../../core/contract/errors.js';
import type { KioskStatus, LevelInfo } from '../../core/contract/methods.js';
import type { ShellApi, ShellMethod } from '../../core/contract/shell.js';
import { createShellStore } from './store.js';

const level = (id: string, rank: number): LevelInfo => ({
  id,
  label: id,
  colour: '#123456',
  rank,
  network: 'none',
  ephemeral: false,
  apps: [
    { id: 'browser', label: 'Browser', type: 'native' },
    { id: 'terminal', label: 'Terminal', type: 'native' },
  ],
});

const kiosk: KioskStatus = {
  enabled: true,
  levels: ['office', 'internet'],
  startLevel: 'office',
  launchable: { internet: ['browser'], office: [] },
  idleSeconds: 60,
  failures: [],
};

function scripted(status: () => KioskStatus) {
  const calls: string[] = [];
  const api: ShellApi = {
    mode: 'browser',
    async call(method: ShellMethod) {
      calls.push(method);
      if (method === 'levels.list')
        return {
          levels: [level('restricted', 2), level('office', 1), level('internet', 0)],
        } as never;
      if (method === 'levels.status') return { levels: [] } as never;
      if (method === 'kiosk.status') return status() as never;
      if (method === 'kiosk.activity') return { idleSeconds: 60 } as never;
      throw new CloisonError('UNKNOWN_METHOD', `not scripted: ${method}`);
    },
    onEvent: () => () => {},
    vncUrl: async (l) => `ws://test/vnc/${l}`,
  };
  return { api, calls };
}

describe('kiosk slice', () => {
  it('shows only the offered levels and starts at the start level', async () => {
    const { api } = scripted(() => kiosk);
    const store = createShellStore(api);
    await store.getState().refreshLevels();
    expect(store.getState().levels.map((l) => l.id)).toEqual(['internet', 'office']);
    expect(store.getState().active).toBe('office');
  });

  it('offers in the launcher only what the daemon says may be launched', async () => {
    const { api } = scripted(() => kiosk);
    const store = createShellStore(api);
    await store.getState().refreshLevels();
    expect(store.getState().launchable('internet', 'browser')).toBe(true);
    expect(store.getState().launchable('internet', 'terminal')).toBe(false);
    expect(store.getState().launchable('office', 'browser')).toBe(false);
  });

  it('outside a kiosk shows every level and launcher, and reports no activity', async () => {
    const { api, calls } = scripted(() => ({ ...kiosk, enabled: false, levels: [] }));
    const store = createShellStore(api);
    await store.getState().refreshLevels();
    expect(store.getState().levels).toHaveLength(3);
    expect(store.getState().launchable('restricted', 'terminal')).toBe(true);
    store.getState().reportActivity();
    expect(calls).not.toContain('kiosk.activity');
  });

  it('reports activity at most once a second', async () => {
    const { api, calls } = scripted(() => kiosk);
    const store = createShellStore(api);
    await store.getState().refreshLevels();
    for (let i = 0; i < 50; i++) store.getState().reportActivity();
    expect(calls.filter((c) => c === 'kiosk.activity')).toHaveLength(1);
  });

  it('goes back to the start level when the daemon resets the session', async () => {
    const { api } = scripted(() => kiosk);
    const store = createShellStore(api);
    await store.getState().refreshLevels();
    store.getState().switchToLevel('internet');
    store.getState().receive({ type: 'kiosk.reset', reason: 'idle', startLevel: 'office' });
    expect(store.getState().active).toBe('office');
    expect(store.getState().notifications.at(-1)?.text).toContain('reset');
  });

  it('asks the daemon again for the levels when the link to it is back', async () => {
    const { api, calls } = scripted(() => kiosk);
    const store = createShellStore(api);
    store.getState().receive({ type: 'shell.daemon', connected: false, message: 'closed' });
    expect(store.getState().daemonConnected).toBe(false);
    expect(calls).toEqual([]);
    store.getState().receive({ type: 'shell.daemon', connected: true, message: 'reconnected' });
    expect(store.getState().daemonConnected).toBe(true);
    await new Promise((r) => setTimeout(r, 0));
    expect(calls).toContain('levels.list');
  });

  it('offers the administrator’s unlock only where the glue has an exit, and passes the answer on', async () => {
    const browser = scripted(() => kiosk);
    expect(createShellStore(browser.api).getState().unlockAvailable).toBe(false);
    const asked: unknown[] = [];
    const electron = scripted(() => kiosk);
    electron.api.kioskUnlock = async (account, passphrase, what) => {
      asked.push({ account, passphrase, what });
      return { ok: false, message: 'Only an administrator may unlock the kiosk.' };
    };
    const store = createShellStore(electron.api);
    expect(store.getState().unlockAvailable).toBe(true);
    expect(await store.getState().unlockKiosk('audrey', 'correct horse battery')).toEqual({
      ok: false,
      message: 'Only an administrator may unlock the kiosk.',
    });
    expect(asked).toEqual([
      { account: 'audrey', passphrase: 'correct horse battery', what: 'exit' },
    ]);
  });
});
