// Notifications: what the broker did, in full (never truncated), announced to screen readers.
import { useShell, useShellStore } from '../context.js';
import { visible } from '../visible.js';

export function Notifications() {
  const store = useShellStore();
  const notes = useShell((s) => s.notifications);
  const t = useShell((s) => s.t);
  const progress = useShell((s) => s.progress);
  const moving = Object.entries(progress).filter(([, p]) => p.done < p.total);
  const sanitising = useShell((s) => s.sanitising);
  // Waiting for a conversion slot, or part way through its pages.
  const pages = Object.entries(sanitising).filter(
    ([, p]) => p.waiting !== undefined || p.done < p.total,
  );
  return (
    <aside className="notifications" aria-label={t('notifications')}>
      {moving.map(([id, p]) => (
        <p key={id} className="note info">
          <label>
            {t('progress', { id, done: p.done, total: p.total })}{' '}
            <progress max={p.total} value={p.done} />
          </label>
        </p>
      ))}
      {pages.map(([id, p]) => (
        <p key={`s-${id}`} className="note info" data-testid="sanitising">
          {p.waiting !== undefined ? (
            <span>
              {t('sanitisingWaits', {
                id,
                sanitiser: p.sanitiser,
                name: visible(p.name ?? ''),
                ahead: p.waiting,
              })}
            </span>
          ) : (
            <label>
              {t('sanitisingPages', {
                id,
                sanitiser: p.sanitiser,
                name: visible(p.name ?? ''),
                done: p.done,
                total: p.total,
              })}{' '}
              <progress max={p.total} value={p.done} />
            </label>
          )}
        </p>
      ))}
      <ul aria-live="polite" data-testid="notifications">
        {notes.map((n) => (
          <li key={n.id} className={`note ${n.kind}`} data-kind={n.kind} data-note={n.id}>
            <span className="note-text">{visible(n.text)}</span>
            <button type="button" onClick={() => store.getState().dismiss(n.id)}>
              {t('dismiss')}
            </button>
          </li>
        ))}
      </ul>
    </aside>
  );
}
