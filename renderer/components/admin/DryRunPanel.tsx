// The dry-run panel: which rule of the edited text decides a described transfer, and why
// (config.dryRun); and the last audited transfers whose decision the edited text would change
// (config.replay). Both ask the daemon: the shell evaluates no rule itself.
import { useState } from 'react';
import { useShell, useShellStore } from '../../context.js';

export function DryRunPanel() {
  const store = useShellStore();
  const t = useShell((s) => s.t);
  const levels = useShell((s) => s.levels);
  const dryRun = useShell((s) => s.dryRun);
  const replay = useShell((s) => s.replay);
  const [kind, setKind] = useState<'clipboard' | 'file'>('file');
  const [from, setFrom] = useState(levels[0]?.id ?? '');
  const [to, setTo] = useState(levels[1]?.id ?? levels[0]?.id ?? '');
  const [type, setType] = useState('image/png');
  const [size, setSize] = useState('1000');
  const [count, setCount] = useState('100');
  return (
    <div className="dry-run">
      <form
        aria-labelledby="dry-run-title"
        onSubmit={(e) => {
          e.preventDefault();
          void store
            .getState()
            .runDryRun({ kind, from, to, type, size: Math.max(0, Math.floor(Number(size) || 0)) });
        }}
      >
        <h2 id="dry-run-title">{t('dryRunTitle')}</h2>
        <label htmlFor="dry-kind">{t('kind')}</label>{' '}
        <select
          id="dry-kind"
          value={kind}
          onChange={(e) => setKind(e.target.value as 'clipboard' | 'file')}
        >
          <option value="file">file</option>
          <option value="clipboard">clipboard</option>
        </select>
        <label htmlFor="dry-from">{t('from')}</label>{' '}
        <select id="dry-from" value={from} onChange={(e) => setFrom(e.target.value)}>
          {levels.map((l) => (
            <option key={l.id} value={l.id}>
              {l.id}
            </option>
          ))}
        </select>
        <label htmlFor="dry-to">{t('to')}</label>{' '}
        <select id="dry-to" value={to} onChange={(e) => setTo(e.target.value)}>
          {levels.map((l) => (
            <option key={l.id} value={l.id}>
              {l.id}
            </option>
          ))}
        </select>
        <label>
          {t('type')} <input value={type} onChange={(e) => setType(e.target.value)} />
        </label>
        <label>
          {t('size')}{' '}
          <input inputMode="numeric" value={size} onChange={(e) => setSize(e.target.value)} />
        </label>
        <button type="submit">{t('explain')}</button>
      </form>
      <div role="status" data-testid="dry-run-result">
        {dryRun ? (
          <>
            <p>
              {t('decidedBy', {
                action: dryRun.decision.action,
                rule: dryRun.decision.ruleId,
                reason: dryRun.decision.reason,
              })}
            </p>
            <pre>{dryRun.explanation}</pre>
          </>
        ) : null}
      </div>
      <form
        aria-labelledby="replay-title"
        onSubmit={(e) => {
          e.preventDefault();
          void store
            .getState()
            .runReplay(Math.min(10_000, Math.max(1, Math.floor(Number(count) || 100))));
        }}
      >
        <h2 id="replay-title">{t('replayTitle')}</h2>
        <label>
          {t('replayCount')}{' '}
          <input inputMode="numeric" value={count} onChange={(e) => setCount(e.target.value)} />
        </label>
        <button type="submit">{t('replay')}</button>
      </form>
      <div role="status" data-testid="replay-result">
        {replay ? (
          <>
            <p>{t('replayed', { replayed: replay.replayed, changed: replay.changed.length })}</p>
            {replay.changed.length > 0 ? (
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('time')}</th>
                    <th scope="col">{t('kind')}</th>
                    <th scope="col">{t('from')}</th>
                    <th scope="col">{t('to')}</th>
                    <th scope="col">{t('types')}</th>
                    <th scope="col">{t('before')}</th>
                    <th scope="col">{t('after')}</th>
                  </tr>
                </thead>
                <tbody>
                  {replay.changed.map((c) => (
                    <tr key={c.transfer}>
                      <td>{c.time}</td>
                      <td>{c.kind}</td>
                      <td>{c.from}</td>
                      <td>{c.to}</td>
                      <td>{c.types.join(', ')}</td>
                      <td>{`${c.before.action} (${c.before.ruleId})`}</td>
                      <td>{`${c.after.action} (${c.after.ruleId})`}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : null}
          </>
        ) : null}
      </div>
    </div>
  );
}
