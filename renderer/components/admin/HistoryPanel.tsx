// The applied configuration versions, newest first, with a rollback to any of them for an
// administrator (config.rollback, with a reason; the daemon validates and audits it).
import { useState } from 'react';
import { useShell, useShellStore } from '../../context.js';

export function HistoryPanel() {
  const store = useShellStore();
  const t = useShell((s) => s.t);
  const versions = useShell((s) => s.versions);
  const isAdmin = useShell((s) => s.login?.role === 'admin');
  const [reason, setReason] = useState('');
  return (
    <div className="config-history">
      {isAdmin ? (
        <label>
          {t('reason')}{' '}
          <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={1000} />
        </label>
      ) : null}
      <table data-testid="config-history">
        <thead>
          <tr>
            <th scope="col">{t('version')}</th>
            <th scope="col">{t('time')}</th>
            <th scope="col">{t('actor')}</th>
            <th scope="col">{t('reason')}</th>
            {isAdmin ? <th scope="col">{t('action')}</th> : null}
          </tr>
        </thead>
        <tbody>
          {[...versions].reverse().map((v) => (
            <tr key={v.version} data-version={v.version}>
              <td>{v.version}</td>
              <td>{v.time}</td>
              <td>{v.actor}</td>
              <td>{v.reason}</td>
              {isAdmin ? (
                <td>
                  <button
                    type="button"
                    disabled={reason.trim().length < 3}
                    onClick={() =>
                      void store
                        .getState()
                        .rollback(v.version, reason.trim())
                        .then((ok) => ok && setReason(''))
                    }
                  >
                    {t('rollback', { version: v.version })}
                  </button>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
