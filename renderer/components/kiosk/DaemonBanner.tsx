// Says, above the workspaces, that the daemon is out of reach while the shell reconnects to it
// (a daemon restarted by its service manager); gone once the link is back.
import { useShell } from '../../context.js';

export function DaemonBanner() {
  const connected = useShell((s) => s.daemonConnected);
  const t = useShell((s) => s.t);
  if (connected) return null;
  return (
    <p className="daemon-banner" role="status" data-testid="daemon-banner">
      {t('daemonLost')}
    </p>
  );
}
