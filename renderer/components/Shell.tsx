// The shell: the level bar on top, the active level's workspace under it, notifications, and the
// shell's own dialogs. The new level is announced to screen readers on every switch.
import { useEffect, useState } from 'react';
import { useShell, useShellStore } from '../context.js';
import { installShortcuts } from '../keyboard.js';
import { AdminConsole } from './admin/AdminConsole.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { LevelBar } from './LevelBar.js';
import { Notifications } from './Notifications.js';
import { SendFilesDialog } from './SendFilesDialog.js';
import { Workspace } from './Workspace.js';
import { DaemonBanner } from './kiosk/DaemonBanner.js';
import { KioskActivity } from './kiosk/KioskActivity.js';
import { KioskUnlock } from './kiosk/KioskUnlock.js';

export function Shell() {
  const store = useShellStore();
  const levels = useShell((s) => s.levels);
  const active = useShell((s) => s.levels.find((l) => l.id === s.active));
  const locale = useShell((s) => s.locale);
  const t = useShell((s) => s.t);
  const kiosk = useShell((s) => s.kiosk?.enabled === true);
  const adminOpen = useShell((s) => s.adminOpen);
  const [sendFrom, setSendFrom] = useState<string | undefined>();
  useEffect(() => installShortcuts(store), [store]);
  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);
  return (
    <div
      className={adminOpen ? 'shell admin-open' : 'shell'}
      data-active-level={active?.id}
      data-kiosk={kiosk || undefined}
    >
      <LevelBar />
      <DaemonBanner />
      {kiosk ? <KioskActivity /> : null}
      {kiosk ? <KioskUnlock /> : null}
      <p className="visually-hidden" aria-live="assertive" data-testid="level-announcement">
        {active ? t('nowIn', { level: active.label }) : ''}
      </p>
      <main className="workspaces" style={{ borderColor: active?.colour }}>
        {levels.map((level) => (
          <Workspace key={level.id} level={level} onSendFiles={setSendFrom} />
        ))}
      </main>
      <AdminConsole />
      <Notifications />
      {sendFrom ? <SendFilesDialog from={sendFrom} onClose={() => setSendFrom(undefined)} /> : null}
      <ConfirmDialog />
    </div>
  );
}
