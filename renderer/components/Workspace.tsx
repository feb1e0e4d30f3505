// One level's workspace: its launcher, its display (the active app's view), its running apps with
// stop buttons, the files that arrived, and the "send files" action.
import { useEffect, useRef, useState } from 'react';
import { useShell, useShellStore } from '../context.js';
import type { LevelInfo } from '../../core/contract/methods.js';
import { LevelDisplay } from './LevelDisplay.js';
import { visible } from '../visible.js';
import { KioskErrorPage } from './kiosk/KioskErrorPage.js';

export function Workspace(props: { level: LevelInfo; onSendFiles(level: string): void }) {
  const { level } = props;
  const store = useShellStore();
  const active = useShell((s) => s.active === level.id);
  const state = useShell((s) => s.states[level.id]);
  const t = useShell((s) => s.t);
  const vncUrlOf = useShell((s) => s.vncUrl);
  const webViews = useShell((s) => s.webViews);
  const main = useRef<HTMLDivElement>(null);
  const [confirmStop, setConfirmStop] = useState(false);
  // Kiosk: only what the daemon lets the user launch, no stop buttons, an error page for an app
  // given up after repeated crashes.
  const kiosk = useShell((s) => s.kiosk?.enabled === true);
  const launchable = useShell((s) => s.launchable);
  const allFailures = useShell((s) => s.kiosk?.failures);
  const failures = (allFailures ?? []).filter((f) => f.level === level.id);
  const launcherApps = level.apps.filter((app) => launchable(level.id, app.id));
  // Electron: the active workspace's app area is where the main process puts the level's web views.
  useEffect(() => {
    const element = main.current;
    if (!active || !webViews || !element) return;
    const report = () => {
      const r = element.getBoundingClientRect();
      store.getState().reportAppArea({
        x: Math.round(r.x),
        y: Math.round(r.y),
        width: Math.round(r.width),
        height: Math.round(r.height),
      });
    };
    const observer = new ResizeObserver(report);
    observer.observe(element);
    report();
    return () => observer.disconnect();
  }, [active, webViews, store]);
  const arrived = useShell((s) => s.transfers);
  const incoming = Object.values(arrived)
    .filter((x) => x.kind === 'file' && x.to === level.id && x.status === 'delivered')
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const running = state?.apps.filter((a) => a.state === 'running') ?? [];
  const appLabel = (id: string | undefined, argv: string[]) =>
    level.apps.find((a) => a.id === id)?.label ?? argv[0] ?? '?';
  return (
    <section
      id={`workspace-${level.id}`}
      role="tabpanel"
      aria-labelledby={`level-tab-${level.id}`}
      tabIndex={-1}
      hidden={!active}
      className="workspace"
      style={{ borderColor: level.colour }}
      data-testid={`workspace-${level.id}`}
    >
      <div className="workspace-side">
        <h2>{t('launcher')}</h2>
        <ul className="launcher">
          {launcherApps.map((app) => (
            <li key={app.id}>
              <button
                type="button"
                onClick={() => void store.getState().launchApp(level.id, app.id)}
              >
                {t('launch', { app: app.label })}
              </button>
            </li>
          ))}
        </ul>
        <h2>{t('runningApps')}</h2>
        {running.length === 0 ? (
          <p>{t('noRunningApps')}</p>
        ) : (
          <ul className="running" data-testid={`running-${level.id}`}>
            {running.map((a) => (
              <li key={a.id}>
                <span>{appLabel(a.app, a.argv)}</span>{' '}
                <button
                  hidden={kiosk}
                  type="button"
                  aria-label={t('stopApp', { app: appLabel(a.app, a.argv) })}
                  onClick={() => void store.getState().stopApp(level.id, a.id)}
                >
                  {t('stop')}
                </button>
              </li>
            ))}
          </ul>
        )}
        <p>
          <button type="button" onClick={() => props.onSendFiles(level.id)}>
            {t('sendFiles')}
          </button>
        </p>
        {state?.running && !kiosk ? (
          confirmStop ? (
            // An ephemeral level loses its home when it stops: asked once more, refusal first.
            <p role="group" aria-label={t('stopLevelAsk', { level: level.label })}>
              <span>{t('stopLevelAsk', { level: level.label })}</span>{' '}
              <button type="button" autoFocus onClick={() => setConfirmStop(false)}>
                {t('keepRunning')}
              </button>{' '}
              <button
                type="button"
                onClick={() => {
                  setConfirmStop(false);
                  void store.getState().stopLevel(level.id);
                }}
              >
                {t('stopAndWipe')}
              </button>
            </p>
          ) : (
            <p>
              <button
                type="button"
                onClick={() =>
                  level.ephemeral ? setConfirmStop(true) : void store.getState().stopLevel(level.id)
                }
              >
                {t('stopLevel')}
              </button>
            </p>
          )
        ) : null}
        {incoming.length > 0 ? (
          <>
            <h2>{t('arrived')}</h2>
            <ul className="arrived" data-testid={`arrived-${level.id}`}>
              {incoming.flatMap((x) =>
                x.items.map((item) => (
                  <li key={`${x.id}-${item.name ?? ''}`}>
                    {t('arrivedItem', {
                      name: visible(item.deliveredAs ?? item.name ?? '?'),
                      from: x.from,
                      bytes: item.sanitised?.size ?? item.size,
                    })}
                  </li>
                )),
              )}
            </ul>
          </>
        ) : null}
      </div>
      <div className="workspace-main" ref={main}>
        {/* An app given up is said above the display, which still shows the level's other apps. */}
        {failures.map((f) => (
          <KioskErrorPage key={f.app} failure={f} appLabel={appLabel(f.app, [f.app])} />
        ))}
        {state?.running && state.display ? (
          <LevelDisplay
            level={level.id}
            label={level.label}
            active={active}
            title={t('display', { level: level.label })}
            url={vncUrlOf}
          />
        ) : failures.length === 0 ? (
          <p className="not-running">{t('notRunning', { level: level.label })}</p>
        ) : null}
      </div>
    </section>
  );
}
