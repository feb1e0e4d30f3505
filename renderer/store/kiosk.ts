// Kiosk slice: what the daemon says of kiosk mode (offered levels, start level, what the user may
// launch, apps given up after crashes) and whether the daemon is reachable. A view only: the
// daemon refuses what the kiosk forbids and owns the idle clock; the shell reports activity.
import type { Event, KioskStatus } from '../../core/contract/methods.js';
import type { SliceContext } from './store.js';

/** At most one activity report per this many ms: enough for any idle timeout of a second or more. */
const ACTIVITY_EVERY_MS = 1000;

export interface KioskSlice {
  kiosk: KioskStatus | undefined;
  /** False while the shell's link to the daemon is down (a daemon being restarted). */
  daemonConnected: boolean;
  refreshKiosk(): Promise<void>;
  /** The person did something (key, pointer): tells the daemon, at most once a second. */
  reportActivity(): void;
  applyKioskEvent(
    event: Extract<Event, { type: 'kiosk.reset' | 'kiosk.app' | 'shell.daemon' }>,
  ): void;
  /** Whether the launcher offers this app (everything outside a kiosk). */
  launchable(level: string, app: string): boolean;
  /** Electron kiosk: whether an administrator can unlock the exit here. */
  unlockAvailable: boolean;
  /** The admin step, checked by the daemon through the main process; the answer's words. */
  unlockKiosk(account: string, passphrase: string): Promise<{ ok: boolean; message: string }>;
}

export function createKioskSlice({ api, set, get, report }: SliceContext): KioskSlice {
  let lastReport = 0;
  return {
    kiosk: undefined,
    daemonConnected: true,
    unlockAvailable: api.kioskUnlock !== undefined,
    async unlockKiosk(account, passphrase) {
      if (!api.kioskUnlock) return { ok: false, message: get().t('unlockUnavailable') };
      return api.kioskUnlock(account, passphrase, 'exit');
    },
    async refreshKiosk() {
      try {
        set({ kiosk: await api.call('kiosk.status', {}) });
      } catch (err) {
        report(err);
      }
    },
    reportActivity() {
      if (!get().kiosk?.enabled) return;
      const now = Date.now();
      if (now - lastReport < ACTIVITY_EVERY_MS) return;
      lastReport = now;
      api.call('kiosk.activity', {}).catch(() => (lastReport = 0));
    },
    launchable(level, app) {
      const kiosk = get().kiosk;
      if (!kiosk?.enabled) return true;
      return kiosk.launchable[level]?.includes(app) ?? false;
    },
    applyKioskEvent(event) {
      const t = get().t;
      if (event.type === 'kiosk.reset') {
        if (event.startLevel) get().switchToLevel(event.startLevel);
        get().notify({ kind: 'info', text: t('kioskReset') });
        void get().refreshKiosk();
      } else if (event.type === 'kiosk.app') {
        get().notify({
          kind: event.outcome === 'failed' ? 'error' : 'info',
          level: event.level,
          text: event.message,
        });
        void get().refreshKiosk();
      } else if (!event.connected) {
        set({ daemonConnected: false });
        get().notify({ kind: 'error', text: t('daemonLost') });
      } else {
        set({ daemonConnected: true });
        get().notify({ kind: 'info', text: t('daemonBack') });
        // The daemon may have been restarted with another state: ask again, show what it says.
        void get().refreshLevels();
      }
    },
  };
}
