// The shell's one zustand store, in slices (levels, workspaces, transfers, notifications,
// settings, admin). It is a view of what the daemon reports: actions ask the daemon and record its answer;
// no security decision reads this store.
import { createStore, type StoreApi } from 'zustand/vanilla';
import { CloisonError } from '../../core/contract/errors.js';
import type { Event } from '../../core/contract/methods.js';
import type { ShellApi } from '../../core/contract/shell.js';
import { createKioskSlice, type KioskSlice } from './kiosk.js';
import { createAdminSlice, type AdminSlice } from './admin.js';
import { createLevelsSlice, type LevelsSlice } from './levels.js';
import { createNotificationsSlice, type NotificationsSlice } from './notifications.js';
import { createSettingsSlice, type SettingsSlice } from './settings.js';
import { createTransfersSlice, type TransfersSlice } from './transfers.js';
import { createWorkspacesSlice, type WorkspacesSlice } from './workspaces.js';

export type ShellState = LevelsSlice &
  WorkspacesSlice &
  TransfersSlice &
  NotificationsSlice &
  SettingsSlice &
  KioskSlice &
  AdminSlice & {
    /** Applies one daemon event to the slices. */
    receive(event: Event): void;
    /** A read-only call for views that list (files.list, policy.explain); errors are the caller's. */
    call: ShellApi['call'];
    /** Where a level's display is bridged. */
    vncUrl: ShellApi['vncUrl'];
  };

export type ShellStore = StoreApi<ShellState>;
export type Set = StoreApi<ShellState>['setState'];
export type Get = StoreApi<ShellState>['getState'];

export interface SliceContext {
  api: ShellApi;
  set: Set;
  get: Get;
  /** Turns a failed call into a notification that names the error; never silent. */
  report(err: unknown): void;
}

export function createShellStore(
  api: ShellApi,
  options: { languages?: readonly string[] } = {},
): ShellStore {
  return createStore<ShellState>()((set, get) => {
    const ctx: SliceContext = {
      api,
      set,
      get,
      report(err) {
        const e =
          err instanceof CloisonError
            ? err
            : new CloisonError('INTERNAL', err instanceof Error ? err.message : String(err));
        get().notify({
          kind: 'error',
          text: get().t('error', { code: e.code, message: e.message }),
        });
      },
    };
    return {
      ...createLevelsSlice(ctx),
      ...createWorkspacesSlice(ctx),
      ...createTransfersSlice(ctx),
      ...createNotificationsSlice(ctx),
      ...createSettingsSlice(ctx, options.languages),
      ...createKioskSlice(ctx),
      ...createAdminSlice(ctx),
      call: (method, params) => api.call(method, params),
      vncUrl: (level) => api.vncUrl(level),
      receive(event) {
        if (event.type === 'level.updated') get().applyLevelState(event.level);
        else if (event.type === 'transfer.updated') get().applyTransfer(event.transfer);
        else if (event.type === 'transfer.progress') get().applyProgress(event);
        else if (event.type === 'transfer.sanitising') get().applySanitising(event);
        else if (event.type === 'config.reloaded') void get().refreshLevels();
        else if (
          event.type === 'kiosk.reset' ||
          event.type === 'kiosk.app' ||
          event.type === 'shell.daemon'
        )
          get().applyKioskEvent(event);
        else if (event.type === 'level.display')
          get().notify({
            kind: event.outcome === 'failed' ? 'error' : 'info',
            level: event.level,
            text: event.message,
          });
        else if (event.type === 'audit.entry') get().receiveAuditEntry(event.entry);
        else if (event.type === 'session.closed') get().adminSessionClosed(event.reason);
        else if (event.type === 'audit.status' && !event.available) {
          get().notify({
            kind: 'error',
            text: get().t('refused', { reason: event.reason ?? 'the audit log is unavailable' }),
          });
        }
      },
    };
  });
}
