// Admin slice: the administrator's or auditor's session as the daemon reports it, the rules text
// being edited with the daemon's own validation, dry-runs, history, approvals and the audit
// viewer. A view only: every permission is the daemon's, which refuses what a role may not do.
import { CloisonError } from '../../core/contract/errors.js';
import type { AuditEntry, Params, Result, Transfer } from '../../core/contract/methods.js';
import type { SliceContext } from './store.js';

export type AdminView = 'rules' | 'dryRun' | 'history' | 'approvals' | 'audit';
export type AuditFilter = Omit<Params<'audit.search'>, 'limit'>;

/** How long the editor waits after the last keystroke before it asks the daemon to validate. */
export const VALIDATE_DEBOUNCE_MS = 300;
/** The live tail keeps this many entries. */
const TAIL_KEPT = 200;

export interface AdminSlice {
  adminOpen: boolean;
  adminView: AdminView;
  login: Result<'session.login'> | undefined;
  /** Why the last session ended or the last login failed, as the daemon said it. */
  adminNotice: string | undefined;
  loggingIn: boolean;
  shown: Result<'config.show'> | undefined;
  /** The text being edited (starts as the text in force). */
  draft: string;
  validation: Result<'config.validate'> | undefined;
  /** The draft the validation above is about; it is stale while they differ. */
  validatedDraft: string | undefined;
  dryRun: Result<'config.dryRun'> | undefined;
  replay: Result<'config.replay'> | undefined;
  versions: Result<'config.history'>['versions'];
  approvals: Transfer[];
  auditFilter: AuditFilter;
  auditResults: Result<'audit.search'> | undefined;
  auditTail: AuditEntry[];
  liveTail: boolean;
  verify: Result<'audit.verify'> | undefined;
  openAdmin(): void;
  closeAdmin(): void;
  showAdminView(view: AdminView): void;
  adminLogin(account: string, passphrase: string): Promise<boolean>;
  adminLogout(): Promise<void>;
  /** The daemon closed the session (logout elsewhere, idle, a new login): the shell says so. */
  adminSessionClosed(reason: string): void;
  loadConfig(): Promise<void>;
  editDraft(text: string): void;
  validateDraft(): Promise<void>;
  applyDraft(reason: string): Promise<Result<'config.apply'> | undefined>;
  runDryRun(transfer: Params<'config.dryRun'>['transfer']): Promise<void>;
  runReplay(count: number): Promise<void>;
  loadHistory(): Promise<void>;
  rollback(version: number, reason: string): Promise<boolean>;
  loadApprovals(): Promise<void>;
  decideApproval(id: string, approve: boolean, reason: string): Promise<boolean>;
  setAuditFilter(filter: AuditFilter): void;
  searchAudit(): Promise<void>;
  verifyAudit(): Promise<void>;
  setLiveTail(on: boolean): void;
  receiveAuditEntry(entry: AuditEntry): void;
}

const closedState = {
  login: undefined,
  shown: undefined,
  draft: '',
  validation: undefined,
  validatedDraft: undefined,
  dryRun: undefined,
  replay: undefined,
  versions: [],
  approvals: [],
  auditResults: undefined,
  auditTail: [],
  verify: undefined,
} satisfies Partial<AdminSlice>;

export function createAdminSlice({ api, set, get, report }: SliceContext): AdminSlice {
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Answers to older drafts arriving late are dropped: the newest draft's validation wins. */
  let validations = 0;
  const isAdmin = () => get().login?.role === 'admin';
  const wasClosed = (err: unknown) =>
    err instanceof CloisonError && err.code === 'NOT_ALLOWED' && get().login !== undefined;
  /** Reports a failure; a refusal because the session is gone also ends it here. */
  const failed = (err: unknown) => {
    report(err);
    if (wasClosed(err)) get().adminSessionClosed((err as CloisonError).message);
  };
  return {
    adminOpen: false,
    adminView: 'rules',
    adminNotice: undefined,
    loggingIn: false,
    auditFilter: {},
    liveTail: true,
    ...closedState,
    openAdmin() {
      set({ adminOpen: true });
    },
    closeAdmin() {
      set({ adminOpen: false });
    },
    showAdminView(view) {
      set({ adminView: view });
      if (view === 'history') void get().loadHistory();
      if (view === 'approvals') void get().loadApprovals();
      if (view === 'audit' && !get().auditResults) {
        void get().searchAudit();
        void get().verifyAudit();
      }
    },
    async adminLogin(account, passphrase) {
      set({ loggingIn: true, adminNotice: undefined });
      try {
        const login = await api.call('session.login', { account, passphrase });
        set({ ...closedState, login, loggingIn: false, adminView: 'rules' });
        await get().loadConfig();
        return true;
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        set({ loggingIn: false, adminNotice: message });
        return false;
      }
    },
    async adminLogout() {
      try {
        await api.call('session.logout', {});
      } catch (err) {
        report(err);
      }
      set({ ...closedState, adminNotice: get().t('adminLoggedOut') });
    },
    adminSessionClosed(reason) {
      if (!get().login) return;
      clearTimeout(timer);
      const text = get().t('adminSessionClosed', { reason });
      set({ ...closedState, adminNotice: text });
      get().notify({ kind: 'info', text });
    },
    async loadConfig() {
      try {
        const shown = await api.call('config.show', {});
        set({ shown, draft: shown.text, validation: undefined, validatedDraft: undefined });
        if (isAdmin()) await get().validateDraft();
      } catch (err) {
        failed(err);
      }
    },
    editDraft(text) {
      set({ draft: text });
      clearTimeout(timer);
      // An auditor reads; the daemon would refuse config.validate anyway.
      if (!isAdmin()) return;
      timer = setTimeout(() => void get().validateDraft(), VALIDATE_DEBOUNCE_MS);
    },
    async validateDraft() {
      const text = get().draft;
      const mine = ++validations;
      try {
        const validation = await api.call('config.validate', { text });
        if (mine === validations) set({ validation, validatedDraft: text });
      } catch (err) {
        if (mine === validations) failed(err);
      }
    },
    async applyDraft(reason) {
      const { draft, shown } = get();
      try {
        const applied = await api.call('config.apply', {
          text: draft,
          reason,
          ...(shown ? { basedOn: shown.digest } : {}),
        });
        get().notify({
          kind: 'success',
          text: get().t('configApplied', { version: applied.version.version }),
        });
        await get().loadConfig();
        void get().loadHistory();
        return applied;
      } catch (err) {
        failed(err);
        return undefined;
      }
    },
    async runDryRun(transfer) {
      try {
        set({ dryRun: await api.call('config.dryRun', { text: get().draft, transfer }) });
      } catch (err) {
        set({ dryRun: undefined });
        failed(err);
      }
    },
    async runReplay(count) {
      try {
        set({ replay: await api.call('config.replay', { text: get().draft, count }) });
      } catch (err) {
        set({ replay: undefined });
        failed(err);
      }
    },
    async loadHistory() {
      try {
        set({ versions: (await api.call('config.history', {})).versions });
      } catch (err) {
        failed(err);
      }
    },
    async rollback(version, reason) {
      try {
        const applied = await api.call('config.rollback', {
          version,
          reason,
          ...(get().shown ? { basedOn: get().shown!.digest } : {}),
        });
        get().notify({
          kind: 'success',
          text: get().t('rolledBack', { version, now: applied.version.version }),
        });
        await get().loadConfig();
        await get().loadHistory();
        return true;
      } catch (err) {
        failed(err);
        return false;
      }
    },
    async loadApprovals() {
      try {
        set({ approvals: (await api.call('approvals.list', {})).approvals });
      } catch (err) {
        failed(err);
      }
    },
    async decideApproval(id, approve, reason) {
      try {
        const t = await api.call(approve ? 'approvals.approve' : 'approvals.reject', {
          id,
          reason,
        });
        get().notify({
          kind: approve ? 'success' : 'info',
          text: get().t(approve ? 'approvedNotice' : 'rejectedNotice', { id, status: t.status }),
        });
        await get().loadApprovals();
        return true;
      } catch (err) {
        failed(err);
        return false;
      }
    },
    setAuditFilter(filter) {
      set({ auditFilter: filter });
    },
    async searchAudit() {
      try {
        set({
          auditResults: await api.call('audit.search', { ...get().auditFilter, limit: 1000 }),
        });
      } catch (err) {
        failed(err);
      }
    },
    async verifyAudit() {
      try {
        set({ verify: await api.call('audit.verify', {}) });
      } catch (err) {
        failed(err);
      }
    },
    setLiveTail(on) {
      set({ liveTail: on });
    },
    receiveAuditEntry(entry) {
      if (!get().login || !get().liveTail) return;
      set({ auditTail: [...get().auditTail, entry].slice(-TAIL_KEPT) });
      // A transfer queued or decided elsewhere changes the approvals queue: ask the daemon again.
      if (isAdmin() && get().adminView === 'approvals' && /^transfer\./u.test(entry.event)) {
        void get().loadApprovals();
      }
    },
  };
}
