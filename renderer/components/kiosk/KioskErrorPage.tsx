// The workspace's error page for an app the kiosk gave up on after repeated crashes: says what
// happened in the daemon's words, instead of a display that keeps flashing a restarting app.
import { useShell, useShellStore } from '../../context.js';
import type { KioskFailure } from '../../../core/contract/methods.js';

export function KioskErrorPage(props: { failure: KioskFailure; appLabel: string }) {
  const store = useShellStore();
  const t = useShell((s) => s.t);
  const { failure } = props;
  return (
    <div className="kiosk-error" role="alert" data-testid={`kiosk-error-${failure.level}`}>
      <h2>{t('kioskAppFailed', { app: props.appLabel })}</h2>
      <p>{failure.message}</p>
      <p>{t('kioskAppFailedHelp')}</p>
      <button
        type="button"
        onClick={() => void store.getState().launchApp(failure.level, failure.app)}
      >
        {t('tryAgain')}
      </button>
    </div>
  );
}
