// Notifications slice: what the shell tells the person (transfers delivered or refused, errors).
// Nothing is truncated here; the view wraps long text. Good news goes by itself after a while;
// errors and refusals stay until dismissed. The newest few are kept, so the stack stays on screen.
import type { SliceContext } from './store.js';

export interface Notification {
  id: number;
  kind: 'info' | 'success' | 'error';
  text: string;
  /** The level it concerns, shown on the bar next to that level. */
  level?: string;
}

export interface NotificationsSlice {
  notifications: Notification[];
  notify(n: Omit<Notification, 'id'>): number;
  dismiss(id: number): void;
}

let nextId = 1;

/** How many notifications are shown at once: older ones go (they are in the transfers and the audit log). */
export const MAX_NOTIFICATIONS = 6;
/** How long an info or success notice stays. */
export const NOTICE_MS = 20_000;

export function createNotificationsSlice({ set, get }: SliceContext): NotificationsSlice {
  return {
    notifications: [],
    notify(n) {
      const id = nextId++;
      set({ notifications: [...get().notifications, { ...n, id }].slice(-MAX_NOTIFICATIONS) });
      if (n.kind !== 'error') setTimeout(() => get().dismiss(id), NOTICE_MS);
      return id;
    },
    dismiss(id) {
      set({ notifications: get().notifications.filter((n) => n.id !== id) });
    },
  };
}
