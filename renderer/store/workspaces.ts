// Workspaces slice: which level's workspace is active, and each workspace's app actions.
import type { SliceContext } from './store.js';

export interface WorkspacesSlice {
  active: string | undefined;
  /** Switches to a level's workspace; unknown ids are ignored (the bar only offers known ones). */
  switchToLevel(level: string): boolean;
  /** The level at a position of the bar (0-based), for the shortcuts. */
  levelAt(index: number): string | undefined;
  launchApp(level: string, app: string): Promise<void>;
  /**
   * Whether web apps open as views of the level's partition (the Electron shell). Elsewhere (the
   * browser host) the daemon runs them in the level's compartment and they show on its display.
   */
  webViews: boolean;
  /** Tells the Electron main process where the active workspace shows its app (CSS pixels). */
  reportAppArea(area: { x: number; y: number; width: number; height: number }): void;
  stopApp(level: string, id: string): Promise<void>;
}

export function createWorkspacesSlice({ api, set, get, report }: SliceContext): WorkspacesSlice {
  return {
    active: undefined,
    webViews: api.openWebApp !== undefined,
    reportAppArea(area) {
      api.setAppArea?.(area);
    },
    switchToLevel(level) {
      if (!get().levels.some((l) => l.id === level)) return false;
      if (get().active !== level) {
        set({ active: level });
        api.levelSwitched?.(level);
      }
      return true;
    },
    levelAt(index) {
      return get().levels[index]?.id;
    },
    async launchApp(level, app) {
      const entry = get()
        .levels.find((l) => l.id === level)
        ?.apps.find((a) => a.id === app);
      if (entry?.type === 'web' && api.openWebApp) {
        // Web apps are views of the level's partition, made by the Electron main process.
        api.openWebApp(level, app);
        return;
      }
      try {
        const launched = await api.call('apps.launch', { level, app });
        // The level's state comes with the next level.updated event; record the app meanwhile.
        const state = get().states[level];
        if (state && !state.apps.some((a) => a.id === launched.id)) {
          get().applyLevelState({ ...state, apps: [...state.apps, launched] });
        }
      } catch (err) {
        report(err);
      }
    },
    async stopApp(level, id) {
      try {
        await api.call('apps.stop', { level, id });
      } catch (err) {
        report(err);
      }
    },
  };
}
