// The audit viewer: the daemon's audit.search with filters (time range, level, kind, decision,
// rule, actor), the live tail of audit.entry events, the chain's verification with its first bad
// entry, and the filtered entries exported as JSON Lines or CSV, downloaded from the page.
import { useState } from 'react';
import { useShell, useShellStore } from '../../context.js';
import type { AuditEntry } from '../../../core/contract/methods.js';
import type { AuditFilter } from '../../store/admin.js';
import { toCsv, toJsonLines } from './export.js';

/** A datetime-local value (the browser's local time) as the contract's ISO timestamp. */
function iso(local: string): string | undefined {
  if (!local) return undefined;
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

function download(name: string, type: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function summary(e: AuditEntry): string {
  const { seq: _s, time: _t, actor: _a, event: _e, prev: _p, hash: _h, ...rest } = e;
  return JSON.stringify(rest);
}

function Entries({ entries, testid }: { entries: readonly AuditEntry[]; testid: string }) {
  const t = useShell((s) => s.t);
  return (
    <table className="audit-entries" data-testid={testid}>
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">{t('time')}</th>
          <th scope="col">{t('actor')}</th>
          <th scope="col">{t('event')}</th>
          <th scope="col">{t('details')}</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((e) => (
          <tr key={e.seq} data-event={e.event}>
            <td>{e.seq}</td>
            <td>{e.time}</td>
            <td>{e.actor}</td>
            <td>{e.event}</td>
            <td className="audit-details">{summary(e)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function AuditViewer() {
  const store = useShellStore();
  const t = useShell((s) => s.t);
  const levels = useShell((s) => s.levels);
  const results = useShell((s) => s.auditResults);
  const tail = useShell((s) => s.auditTail);
  const live = useShell((s) => s.liveTail);
  const verify = useShell((s) => s.verify);
  const [form, setForm] = useState({
    since: '',
    until: '',
    level: '',
    kind: '',
    decision: '',
    rule: '',
    actor: '',
  });
  const field = (k: keyof typeof form) => ({
    value: form[k],
    onChange: (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value }),
  });
  const entries = results?.entries ?? [];
  const stamp = new Date().toISOString().replace(/[:.]/gu, '-');
  return (
    <div className="audit-viewer">
      <div
        role="status"
        data-testid="audit-verify"
        className={verify && !verify.ok ? 'chain-bad' : 'chain-ok'}
      >
        {verify
          ? verify.ok
            ? t('chainOk', { entries: verify.entries, segments: verify.segments })
            : t('chainBad', {
                segment: verify.firstBad?.segment ?? '?',
                line: verify.firstBad?.line ?? '?',
                seq: verify.firstBad?.seq !== undefined ? ` (#${verify.firstBad.seq})` : '',
                problem: verify.firstBad?.problem ?? '',
              })
          : null}{' '}
        <button type="button" onClick={() => void store.getState().verifyAudit()}>
          {t('verifyAgain')}
        </button>
      </div>
      <form
        className="audit-filters"
        aria-labelledby="audit-filters-title"
        onSubmit={(e) => {
          e.preventDefault();
          const filter: AuditFilter = {};
          const since = iso(form.since);
          const until = iso(form.until);
          if (since) filter.since = since;
          if (until) filter.until = until;
          if (form.level) filter.level = form.level;
          if (form.kind) filter.kind = form.kind as 'file' | 'clipboard';
          if (form.decision)
            filter.decision = form.decision as 'allow' | 'deny' | 'ask' | 'approve';
          if (form.rule.trim()) filter.rule = form.rule.trim();
          if (form.actor.trim()) filter.actor = form.actor.trim();
          store.getState().setAuditFilter(filter);
          void store.getState().searchAudit();
        }}
      >
        <h2 id="audit-filters-title">{t('auditFilters')}</h2>
        <label>
          {t('since')} <input type="datetime-local" step="1" {...field('since')} />
        </label>
        <label>
          {t('until')} <input type="datetime-local" step="1" {...field('until')} />
        </label>
        <label>
          {t('level')}{' '}
          <select {...field('level')}>
            <option value="">{t('any')}</option>
            {levels.map((l) => (
              <option key={l.id} value={l.id}>
                {l.id}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('kind')}{' '}
          <select {...field('kind')}>
            <option value="">{t('any')}</option>
            <option value="file">file</option>
            <option value="clipboard">clipboard</option>
          </select>
        </label>
        <label>
          {t('decision')}{' '}
          <select {...field('decision')}>
            <option value="">{t('any')}</option>
            {['allow', 'deny', 'ask', 'approve'].map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('rule')} <input {...field('rule')} maxLength={64} />
        </label>
        <label>
          {t('actor')} <input {...field('actor')} maxLength={128} />
        </label>
        <button type="submit">{t('search')}</button>
      </form>
      <p data-testid="audit-count">
        {t('entries', { count: entries.length, more: results?.more ? t('moreEntries') : '' })}{' '}
        <button
          type="button"
          disabled={entries.length === 0}
          onClick={() =>
            download(`cloison-audit-${stamp}.jsonl`, 'application/x-ndjson', toJsonLines(entries))
          }
        >
          {t('exportJsonl')}
        </button>{' '}
        <button
          type="button"
          disabled={entries.length === 0}
          onClick={() => download(`cloison-audit-${stamp}.csv`, 'text/csv', toCsv(entries))}
        >
          {t('exportCsv')}
        </button>
      </p>
      <Entries entries={entries} testid="audit-results" />
      <h2>{t('liveTailTitle')}</h2>
      <label>
        <input
          type="checkbox"
          checked={live}
          onChange={(e) => store.getState().setLiveTail(e.target.checked)}
        />{' '}
        {t('liveTail')}
      </label>
      <div aria-live="polite">
        <Entries entries={tail} testid="audit-tail" />
      </div>
    </div>
  );
}
