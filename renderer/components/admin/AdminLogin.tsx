// The explicit admin step: account and passphrase, checked by the daemon's session.login (its
// slow hash and its delay after failures). The passphrase lives only in this form's state.
import { useState } from 'react';
import { useShell, useShellStore } from '../../context.js';

export function AdminLogin() {
  const store = useShellStore();
  const t = useShell((s) => s.t);
  const notice = useShell((s) => s.adminNotice);
  const busy = useShell((s) => s.loggingIn);
  const [account, setAccount] = useState('');
  const [passphrase, setPassphrase] = useState('');
  return (
    <form
      className="admin-login"
      aria-labelledby="admin-login-title"
      onSubmit={(e) => {
        e.preventDefault();
        void store
          .getState()
          .adminLogin(account, passphrase)
          .then(() => setPassphrase(''));
      }}
    >
      <h2 id="admin-login-title">{t('adminLoginTitle')}</h2>
      <p>{t('adminLoginIntro')}</p>
      <label>
        {t('account')}{' '}
        <input
          value={account}
          autoComplete="username"
          required
          onChange={(e) => setAccount(e.target.value)}
        />
      </label>
      <label>
        {t('passphrase')}{' '}
        <input
          type="password"
          value={passphrase}
          autoComplete="current-password"
          required
          onChange={(e) => setPassphrase(e.target.value)}
        />
      </label>
      <button type="submit" disabled={busy}>
        {busy ? t('loggingIn') : t('logIn')}
      </button>
      <p role="status" data-testid="admin-notice">
        {notice ?? ''}
      </p>
    </form>
  );
}
