// The trusted confirmation for rules whose action is `ask`: drawn by the shell over everything,
// with what the broker measured (source, target, names, real types, sizes, SHA-256, rule id). The
// answer goes to the daemon, which alone delivers.
import { useEffect, useRef } from 'react';
import { useShell, useShellStore } from '../context.js';
import { visible } from '../visible.js';

export function ConfirmDialog() {
  const store = useShellStore();
  const waiting = useShell((s) => s.transfers);
  const t = useShell((s) => s.t);
  const levels = useShell((s) => s.levels);
  const first = Object.values(waiting)
    .filter((x) => x.status === 'waiting-for-user')
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))[0];
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => ref.current?.focus(), [first?.id]);
  if (!first) return null;
  // A batch can fall under several rules: each is named, and each file's own is in its row.
  const rules = [...new Set(first.items.map((i) => i.decision.ruleId))];
  const label = (id: string) => levels.find((l) => l.id === id)?.label ?? id;
  return (
    <div className="modal-backdrop">
      <div
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="confirm-title"
        aria-describedby="confirm-intro"
        className="dialog confirm"
        data-testid="confirm-dialog"
        onKeyDown={(e) => {
          // Escape refuses; Tab stays inside the dialog (keyboard-only use).
          if (e.key === 'Escape') void store.getState().cancelTransfer(first.id);
          if (e.key === 'Tab') {
            const buttons = [...e.currentTarget.querySelectorAll('button')];
            const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
            const next = buttons[(at + (e.shiftKey ? buttons.length - 1 : 1)) % buttons.length];
            e.preventDefault();
            next?.focus();
          }
        }}
      >
        <h2 id="confirm-title">{t('confirmTitle')}</h2>
        <p id="confirm-intro">
          {t(rules.length > 1 ? 'confirmIntroRules' : 'confirmIntro', {
            rule: rules.join(', '),
            from: label(first.from),
            to: label(first.to),
          })}
        </p>
        <table>
          <thead>
            <tr>
              <th scope="col">{t('name')}</th>
              <th scope="col">{t('type')}</th>
              <th scope="col">{t('size')}</th>
              <th scope="col">{t('ruleColumn')}</th>
              <th scope="col">{t('sha256')}</th>
            </tr>
          </thead>
          <tbody>
            {first.items.map((item, i) => (
              <tr key={i}>
                <td>{item.name !== undefined ? visible(item.name) : '—'}</td>
                <td>{item.type}</td>
                <td>{item.size}</td>
                <td>{item.decision.ruleId}</td>
                <td className="digest">
                  <code data-testid="confirm-sha256">{item.sha256}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <div className="dialog-buttons">
          {/* The focus starts on the refusal: a key meant for an app cannot confirm a transfer. */}
          <button
            type="button"
            ref={ref}
            onClick={() => void store.getState().cancelTransfer(first.id)}
          >
            {t('refuse')}
          </button>
          <button
            type="button"
            className="primary"
            onClick={() => void store.getState().confirmTransfer(first.id)}
          >
            {t('confirm')}
          </button>
        </div>
      </div>
    </div>
  );
}
