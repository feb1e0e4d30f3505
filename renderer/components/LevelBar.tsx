// The level bar: always on screen, above every workspace, drawn by the shell alone (no app draws
// here). Each level has its colour and a second signal that is not a colour: a shape and its name.
import { useShell } from '../context.js';
import { switchLevel } from '../keyboard.js';
import { useShellStore } from '../context.js';
import type { Locale } from '../i18n.js';
import { AdminEntry } from './admin/AdminConsole.js';

/** A shape per position: the non-colour signal, read with the label. */
export const SHAPES = ['●', '▲', '■', '◆', '★', '⬟', '⬢', '✚', '✖'];

export function LevelBar() {
  const store = useShellStore();
  const levels = useShell((s) => s.levels);
  const states = useShell((s) => s.states);
  const active = useShell((s) => s.active);
  const notifications = useShell((s) => s.notifications);
  const shortcuts = useShell((s) => s.shortcuts);
  const t = useShell((s) => s.t);
  const locale = useShell((s) => s.localeOverride);
  const activeLevel = levels.find((l) => l.id === active);
  return (
    <header
      className="level-bar"
      style={{ borderBottomColor: activeLevel?.colour ?? 'transparent' }}
      data-testid="level-bar"
    >
      <div role="tablist" aria-label={t('levelBar')} className="level-tabs">
        {levels.map((level, i) => {
          const isActive = level.id === active;
          const running = states[level.id]?.apps.filter((a) => a.state === 'running') ?? [];
          const notes = notifications.filter((n) => n.level === level.id).length;
          const shortcut = shortcuts[i];
          return (
            <button
              key={level.id}
              id={`level-tab-${level.id}`}
              role="tab"
              type="button"
              aria-selected={isActive}
              aria-controls={`workspace-${level.id}`}
              tabIndex={isActive ? 0 : -1}
              className={`level-tab${isActive ? ' active' : ''}`}
              style={{
                borderColor: level.colour,
                ...(isActive ? { background: level.colour } : {}),
              }}
              data-level={level.id}
              {...(shortcut ? { 'aria-keyshortcuts': shortcut.replace(/Digit/u, '') } : {})}
              onClick={() => switchLevel(store, level.id)}
              onKeyDown={(e) => {
                if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
                const next =
                  levels[(i + (e.key === 'ArrowRight' ? 1 : levels.length - 1)) % levels.length];
                if (next) switchLevel(store, next.id);
              }}
            >
              <span
                className="level-shape"
                aria-hidden="true"
                style={isActive ? {} : { color: level.colour }}
              >
                {SHAPES[i % SHAPES.length]}
              </span>
              <span className="level-label">{level.label}</span>
              <span className="level-meta">
                {t('rank', { rank: level.rank })}
                {isActive ? ` · ${t('active')}` : ''}
              </span>
              <span className="level-apps" data-testid={`running-count-${level.id}`}>
                {running.length > 0 ? `${running.length} ▶` : ''}
                <span className="visually-hidden">
                  {running.length > 0
                    ? ` ${running.map((a) => a.app ?? a.argv[0]).join(', ')}`
                    : ''}
                </span>
              </span>
              {notes > 0 ? (
                <span className="level-notes" aria-label={`${notes} ${t('notifications')}`}>
                  {notes}
                </span>
              ) : null}
            </button>
          );
        })}
      </div>
      <AdminEntry />
      <label className="language">
        {t('language')}{' '}
        <select
          value={locale ?? ''}
          onChange={(e) =>
            store.getState().setLocale((e.target.value || undefined) as Locale | undefined)
          }
        >
          <option value="">{t('system')}</option>
          <option value="en">English</option>
          <option value="fr">Français</option>
        </select>
      </label>
    </header>
  );
}
