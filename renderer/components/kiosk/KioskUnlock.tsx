// The only way out of an Electron kiosk: an administrator's admin step (account and passphrase,
// checked by the daemon through the main process, on a connection of its own). Shown only where
// the glue has an exit to unlock; the passphrase never stays in the store.
import { useState, type FormEvent } from 'react';
import { useShell, useShellStore } from '../../context.js';

export function KioskUnlock() {
  const store = useShellStore();
  const t = useShell((s) => s.t);
  const available = useShell((s) => s.unlockAvailable && s.kiosk?.enabled === true);
  const [open, setOpen] = useState(false);
  const [message, setMessage] = useState<string | undefined>();
  if (!available) return null;
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const answer = await store
      .getState()
      .unlockKiosk(String(form.get('account') ?? ''), String(form.get('passphrase') ?? ''));
    e.currentTarget?.reset();
    setMessage(answer.ok ? undefined : answer.message);
  };
  return (
    <>
      <button type="button" className="kiosk-admin" onClick={() => setOpen(true)}>
        {t('administrator')}
      </button>
      {open ? (
        <div className="modal-backdrop">
          <form
            role="dialog"
            aria-modal="true"
            aria-labelledby="unlock-title"
            className="dialog"
            onSubmit={(e) => void submit(e)}
          >
            <h2 id="unlock-title">{t('unlockTitle')}</h2>
            <label>
              {t('account')} <input name="account" autoComplete="off" required />
            </label>
            <label>
              {t('passphrase')}{' '}
              <input name="passphrase" type="password" autoComplete="off" required />
            </label>
            {message ? <p role="alert">{message}</p> : null}
            <button type="submit">{t('unlock')}</button>{' '}
            <button type="button" onClick={() => setOpen(false)}>
              {t('cancel')}
            </button>
          </form>
        </div>
      ) : null}
    </>
  );
}
