// Transfers slice: the clipboard buffer's summary, the transfers the daemon reported, their
// progress, and the ones waiting for the person's confirmation. The broker decides; this slice
// shows what it said, and a refusal always becomes a notification.
import { CloisonError } from '../../core/contract/errors.js';
import type { Event, Result, Transfer } from '../../core/contract/methods.js';
import type { SliceContext } from './store.js';

type Progress = Extract<Event, { type: 'transfer.progress' }>;
type Sanitising = Extract<Event, { type: 'transfer.sanitising' }>;

export interface TransfersSlice {
  captured: Result<'clipboard.capture'> | undefined;
  transfers: Record<string, Transfer>;
  progress: Record<string, { done: number; total: number }>;
  /** A sanitiser's pages, per transfer and file, while it works (the daemon's word, page by page). */
  sanitising: Record<
    string,
    { name?: string; sanitiser: string; done: number; total: number; waiting?: number }
  >;
  applySanitising(event: Sanitising): void;
  captureClipboard(level: string): Promise<void>;
  pasteClipboard(level: string): Promise<void>;
  sendFiles(from: string, to: string, paths: string[]): Promise<Transfer | undefined>;
  confirmTransfer(id: string): Promise<void>;
  cancelTransfer(id: string): Promise<void>;
  applyTransfer(transfer: Transfer): void;
  /** The transfers the daemon already holds for this user (at start), recorded without notices. */
  loadTransfers(): Promise<void>;
  applyProgress(event: Progress): void;
  /** Transfers the person must confirm (rule action `ask`), oldest first. */
  waitingForUser(): Transfer[];
  /** Files delivered into a level, newest first. */
  arrivedIn(level: string): Transfer[];
}

function bytesOf(t: Transfer): number {
  return t.items.reduce((n, i) => n + (i.sanitised?.size ?? i.size), 0);
}
function typesOf(t: Transfer): string {
  return [...new Set(t.items.map((i) => i.sanitised?.type ?? i.type))].join(', ');
}

export function createTransfersSlice({ api, set, get, report }: SliceContext): TransfersSlice {
  /** What a transfer's outcome tells the person: delivered, waiting, refused; never nothing. */
  const tell = (t: Transfer, previous: Transfer | undefined) => {
    if (previous?.status === t.status) return;
    const { t: tr, notify } = get();
    const rule = t.decision.ruleId;
    if (t.status === 'delivered') {
      notify({
        kind: 'success',
        level: t.to,
        text: tr('delivered', {
          bytes: bytesOf(t),
          types: typesOf(t),
          from: t.from,
          to: t.to,
          rule,
          outcome: t.outcome ?? '',
        }),
      });
    } else if (t.status === 'waiting-for-approval') {
      notify({ kind: 'info', level: t.from, text: tr('waitingApproval', { id: t.id, rule }) });
    } else if (['cancelled', 'rejected', 'expired', 'failed'].includes(t.status)) {
      notify({
        kind: 'error',
        level: t.from,
        text: tr('refusedRule', {
          from: t.from,
          to: t.to,
          rule,
          reason: t.outcome ?? t.decision.reason,
        }),
      });
    }
  };
  const refused = (err: unknown, level: string) => {
    if (err instanceof CloisonError && err.code === 'DENIED_BY_RULE') {
      get().notify({ kind: 'error', level, text: get().t('refused', { reason: err.message }) });
    } else report(err);
  };
  /**
   * Clipboard keys run in the order they were pressed: a paste pressed while its capture is still
   * being read from the level waits for it.
   */
  let clipboardQueue: Promise<void> = Promise.resolve();
  const inOrder = (step: () => Promise<void>): Promise<void> =>
    (clipboardQueue = clipboardQueue.then(step, step));
  return {
    captured: undefined,
    transfers: {},
    progress: {},
    sanitising: {},
    applySanitising(event) {
      set({
        sanitising: {
          ...get().sanitising,
          [event.id]: {
            ...(event.name !== undefined ? { name: event.name } : {}),
            sanitiser: event.sanitiser,
            done: event.done,
            total: event.total,
            ...(event.waiting !== undefined ? { waiting: event.waiting } : {}),
          },
        },
      });
    },
    captureClipboard: (level) =>
      inOrder(async () => {
        try {
          const captured = await api.call('clipboard.capture', { from: level });
          set({ captured });
          get().notify({
            kind: 'info',
            level,
            text: get().t('captured', {
              bytes: captured.items.reduce((n, i) => n + i.size, 0),
              types: captured.items.map((i) => i.type).join(', '),
              level,
            }),
          });
        } catch (err) {
          report(err);
        }
      }),
    pasteClipboard: (level) =>
      inOrder(async () => {
        // The broker empties its buffer on a paste, whatever the outcome.
        set({ captured: undefined });
        try {
          get().applyTransfer(await api.call('clipboard.paste', { to: level }));
        } catch (err) {
          refused(err, level);
        }
      }),
    async sendFiles(from, to, paths) {
      try {
        const t = await api.call('files.send', { from, to, paths });
        get().applyTransfer(t);
        return t;
      } catch (err) {
        refused(err, from);
        return undefined;
      }
    },
    async confirmTransfer(id) {
      try {
        get().applyTransfer(await api.call('transfers.confirm', { id }));
      } catch (err) {
        report(err);
      }
    },
    async cancelTransfer(id) {
      try {
        get().applyTransfer(await api.call('transfers.cancel', { id }));
      } catch (err) {
        report(err);
      }
    },
    applyTransfer(transfer) {
      const previous = get().transfers[transfer.id];
      // Clipboard content is never kept in the shell: the target level has it on its clipboard.
      const { clipboard: _content, ...kept } = transfer;
      set({ transfers: { ...get().transfers, [transfer.id]: kept } });
      tell(kept, previous);
    },
    async loadTransfers() {
      try {
        const { transfers } = await api.call('transfers.list', {});
        const known = { ...get().transfers };
        for (const t of transfers) known[t.id] ??= t;
        set({ transfers: known });
      } catch (err) {
        report(err);
      }
    },
    applyProgress(event) {
      set({
        progress: {
          ...get().progress,
          [event.id]: { done: event.bytesDone, total: event.bytesTotal },
        },
      });
    },
    waitingForUser() {
      return Object.values(get().transfers)
        .filter((t) => t.status === 'waiting-for-user')
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    },
    arrivedIn(level) {
      return Object.values(get().transfers)
        .filter((t) => t.kind === 'file' && t.to === level && t.status === 'delivered')
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    },
  };
}
