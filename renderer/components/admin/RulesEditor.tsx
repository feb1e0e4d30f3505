// The rules editor: the rules as an ordered table and the configuration's YAML text (levels and
// apps edited in the same text), both editable, validated as the administrator types by the
// daemon's own config.validate; saving shows the diff and needs a reason. An auditor reads only.
import { useRef, useState } from 'react';
import { useShell, useShellStore } from '../../context.js';
import {
  addRule,
  editRule,
  moveRule,
  removeRule,
  ruleRows,
  RULE_FIELDS,
  type RuleField,
} from './rules-table.js';

const HEADERS: Record<
  RuleField,
  'ruleId' | 'kind' | 'from' | 'to' | 'types' | 'maxBytes' | 'action' | 'sanitiser'
> = {
  id: 'ruleId',
  kind: 'kind',
  from: 'from',
  to: 'to',
  types: 'types',
  maxBytes: 'maxBytes',
  action: 'action',
  sanitise: 'sanitiser',
};

export function RulesEditor() {
  const store = useShellStore();
  const t = useShell((s) => s.t);
  const login = useShell((s) => s.login);
  const shown = useShell((s) => s.shown);
  const draft = useShell((s) => s.draft);
  const validation = useShell((s) => s.validation);
  const validatedDraft = useShell((s) => s.validatedDraft);
  const [reason, setReason] = useState('');
  const text = useRef<HTMLTextAreaElement>(null);
  const readOnly = login?.role !== 'admin' || shown?.editable === false;
  const rows = ruleRows(draft);
  const fresh = validation !== undefined && validatedDraft === draft;
  const problems = fresh ? validation.problems : [];
  const changed = draft !== shown?.text;
  const canSave = !readOnly && fresh && validation.valid && changed && reason.trim().length >= 3;
  const lines = draft.split('\n');
  const badLines = new Set(problems.map((p) => p.line));
  const edit = (next: string) => store.getState().editDraft(next);
  const goTo = (line: number) => {
    const area = text.current;
    if (!area) return;
    const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    area.focus();
    area.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
  };
  const ruleProblem = (i: number, field: RuleField) =>
    problems.find(
      (p) => p.path === `rules[${i}].${field}` || p.path.startsWith(`rules[${i}].${field}[`),
    );
  return (
    <div className="rules-editor">
      {readOnly ? <p className="admin-readonly">{t('readOnly')}</p> : null}
      <table className="rules-table" data-testid="rules-table">
        <caption>{t('rulesTable')}</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            {RULE_FIELDS.map((f) => (
              <th scope="col" key={f}>
                {t(HEADERS[f])}
              </th>
            ))}
            {readOnly ? null : <th scope="col">{t('action')}</th>}
          </tr>
        </thead>
        <tbody>
          {(rows ?? []).map((row, i) => (
            <tr key={i} data-rule={row.id}>
              <td>{i + 1}</td>
              {RULE_FIELDS.map((f) => {
                const problem = ruleProblem(i, f);
                const label = `${t(HEADERS[f])} (${row.id || i + 1})`;
                return (
                  <td key={f}>
                    {readOnly ? (
                      row[f]
                    ) : (
                      <input
                        aria-label={label}
                        value={row[f]}
                        aria-invalid={problem ? true : undefined}
                        title={problem?.message}
                        onChange={(e) => edit(editRule(draft, i, f, e.target.value))}
                      />
                    )}
                  </td>
                );
              })}
              {readOnly ? null : (
                <td className="rule-moves">
                  <button
                    type="button"
                    aria-label={t('moveUp', { id: row.id })}
                    onClick={() => edit(moveRule(draft, i, -1))}
                  >
                    ↑
                  </button>
                  <button
                    type="button"
                    aria-label={t('moveDown', { id: row.id })}
                    onClick={() => edit(moveRule(draft, i, 1))}
                  >
                    ↓
                  </button>
                  <button
                    type="button"
                    aria-label={t('removeRule', { id: row.id })}
                    onClick={() => edit(removeRule(draft, i))}
                  >
                    ✖
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {readOnly ? null : (
        <button
          type="button"
          onClick={() => edit(addRule(draft, `rule-${(rows?.length ?? 0) + 1}`))}
        >
          {t('addRule')}
        </button>
      )}
      <div className="config-text">
        <label htmlFor="config-text">{t('configText')}</label>
        <div className="config-text-area">
          <pre className="config-gutter" aria-hidden="true">
            {lines.map((_, i) => (
              <span key={i} className={badLines.has(i + 1) ? 'bad-line' : undefined}>
                {i + 1}
                {'\n'}
              </span>
            ))}
          </pre>
          <textarea
            id="config-text"
            ref={text}
            value={draft}
            readOnly={readOnly}
            spellCheck={false}
            rows={Math.min(30, Math.max(10, lines.length))}
            aria-invalid={problems.length > 0 ? true : undefined}
            aria-describedby="config-status"
            onChange={(e) => edit(e.target.value)}
          />
        </div>
      </div>
      <div id="config-status" role="status" data-testid="config-status">
        {readOnly ? null : !fresh ? (
          <p>{t('validating')}</p>
        ) : validation.valid ? (
          <p>{t('valid')}</p>
        ) : (
          <p>{t('invalid', { count: problems.length })}</p>
        )}
      </div>
      {problems.length > 0 ? (
        <ul className="config-problems" data-testid="config-problems">
          {problems.map((p, i) => (
            <li key={i} data-line={p.line} data-path={p.path}>
              <button
                type="button"
                onClick={() => goTo(p.line)}
                aria-label={t('goToLine', { line: p.line })}
              >
                ↪
              </button>{' '}
              {t('problemAt', {
                line: p.line,
                column: p.column,
                path: (p.path || '(file)') + (p.value !== undefined ? ` "${p.value}"` : ''),
                message: p.message,
              })}
            </li>
          ))}
        </ul>
      ) : null}
      {(fresh ? validation.warnings : (shown?.warnings ?? [])).length > 0 ? (
        <ul className="config-warnings" data-testid="config-warnings">
          {(fresh ? validation.warnings : (shown?.warnings ?? [])).map((w, i) => (
            <li key={i}>{t('warning', { message: w })}</li>
          ))}
        </ul>
      ) : null}
      {readOnly ? null : (
        <form
          className="config-save"
          onSubmit={(e) => {
            e.preventDefault();
            if (!canSave) return;
            void store
              .getState()
              .applyDraft(reason.trim())
              .then((applied) => applied && setReason(''));
          }}
        >
          <h2>{t('diff')}</h2>
          {fresh && changed ? (
            <pre className="config-diff" data-testid="config-diff">
              {validation.diff
                .filter((d) => d.op !== ' ')
                .map((d, i) => (
                  <span key={i} className={d.op === '+' ? 'diff-add' : 'diff-del'}>
                    {`${d.op} ${d.text}\n`}
                  </span>
                ))}
            </pre>
          ) : (
            <p>{t('noChanges')}</p>
          )}
          <label>
            {t('reason')}{' '}
            <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={1000} />
          </label>
          <button type="submit" disabled={!canSave} aria-describedby="save-needs">
            {t('save')}
          </button>
          <p id="save-needs" className="hint">
            {t('saveNeeds')}
          </p>
        </form>
      )}
    </div>
  );
}
