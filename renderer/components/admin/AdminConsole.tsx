// The administration console: an explicit step ("Administration", then the daemon's login), then
// the sections the session's role may read. Drawn under the level bar, never over it. A view: the
// daemon decides every permission, and refuses what this console would not offer anyway.
import { useEffect, useRef } from 'react';
import { useShell, useShellStore } from '../../context.js';
import type { AdminView } from '../../store/admin.js';
import { AdminLogin } from './AdminLogin.js';
import { ApprovalsQueue } from './ApprovalsQueue.js';
import { AuditViewer } from './AuditViewer.js';
import { DryRunPanel } from './DryRunPanel.js';
import { HistoryPanel } from './HistoryPanel.js';
import { RulesEditor } from './RulesEditor.js';

const VIEWS: {
  view: AdminView;
  key: 'viewRules' | 'viewDryRun' | 'viewHistory' | 'viewApprovals' | 'viewAudit';
  adminOnly: boolean;
}[] = [
  { view: 'rules', key: 'viewRules', adminOnly: false },
  { view: 'dryRun', key: 'viewDryRun', adminOnly: true },
  { view: 'history', key: 'viewHistory', adminOnly: false },
  { view: 'approvals', key: 'viewApprovals', adminOnly: true },
  { view: 'audit', key: 'viewAudit', adminOnly: false },
];

export function AdminEntry() {
  const store = useShellStore();
  const open = useShell((s) => s.adminOpen);
  const t = useShell((s) => s.t);
  return (
    <button
      type="button"
      className="admin-entry"
      aria-expanded={open}
      aria-controls="admin-console"
      onClick={() => (open ? store.getState().closeAdmin() : store.getState().openAdmin())}
    >
      {t('administration')}
    </button>
  );
}

export function AdminConsole() {
  const store = useShellStore();
  const open = useShell((s) => s.adminOpen);
  const login = useShell((s) => s.login);
  const view = useShell((s) => s.adminView);
  const t = useShell((s) => s.t);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (open) heading.current?.focus();
  }, [open, login?.openedAt]);
  if (!open) return null;
  const isAdmin = login?.role === 'admin';
  return (
    <section
      id="admin-console"
      className="admin-console"
      aria-labelledby="admin-title"
      data-testid="admin-console"
      onKeyDown={(e) => {
        if (e.key === 'Escape' && e.target === e.currentTarget) store.getState().closeAdmin();
      }}
    >
      <div className="admin-head">
        <h1 id="admin-title" tabIndex={-1} ref={heading}>
          {t('administration')}
        </h1>
        {login ? (
          <p data-testid="admin-who">
            {t('adminAs', {
              account: login.account,
              role: t(login.role === 'admin' ? 'roleAdmin' : 'roleAuditor'),
              time: new Date(login.openedAt).toLocaleTimeString(),
            })}{' '}
            <button type="button" onClick={() => void store.getState().adminLogout()}>
              {t('logOut')}
            </button>
          </p>
        ) : null}
        <button type="button" onClick={() => store.getState().closeAdmin()}>
          {t('adminClose')}
        </button>
      </div>
      {!login ? (
        <AdminLogin />
      ) : (
        <>
          <nav aria-label={t('adminViews')} className="admin-nav">
            {VIEWS.filter((v) => isAdmin || !v.adminOnly).map((v) => (
              <button
                key={v.view}
                type="button"
                aria-current={view === v.view ? 'page' : undefined}
                onClick={() => store.getState().showAdminView(v.view)}
              >
                {t(v.key)}
              </button>
            ))}
          </nav>
          <div className="admin-view">
            {view === 'rules' ? <RulesEditor /> : null}
            {view === 'dryRun' && isAdmin ? <DryRunPanel /> : null}
            {view === 'history' ? <HistoryPanel /> : null}
            {view === 'approvals' && isAdmin ? <ApprovalsQueue /> : null}
            {view === 'audit' ? <AuditViewer /> : null}
          </div>
        </>
      )}
    </section>
  );
}
