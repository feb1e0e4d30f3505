// Notifications slice: what the shell tells the person (transfers delivered or refused, errors).
// Nothing is truncated here; the view wraps long text.
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

export function createNotificationsSlice({ set, get }: SliceContext): NotificationsSlice {
  return {
    notifications: [],
    notify(n) {
      const id = nextId++;
      set({ notifications: [...get().notifications, { ...n, id }] });
      return id;
    },
    dismiss(id) {
      set({ notifications: get().notifications.filter((n) => n.id !== id) });
    },
  };
}
