// Levels slice: the configured levels and what the daemon says of each one's runtime.
import type { LevelInfo, LevelState } from '../../core/contract/methods.js';
import type { SliceContext } from './store.js';

export interface LevelsSlice {
  levels: LevelInfo[];
  states: Record<string, LevelState>;
  loaded: boolean;
  refreshLevels(): Promise<void>;
  applyLevelState(state: LevelState): void;
  startLevel(level: string): Promise<void>;
  stopLevel(level: string): Promise<void>;
}

export function createLevelsSlice({ api, set, get, report }: SliceContext): LevelsSlice {
  return {
    levels: [],
    states: {},
    loaded: false,
    async refreshLevels() {
      try {
        const [{ levels }, status] = await Promise.all([
          api.call('levels.list', {}),
          api.call('levels.status', {}),
        ]);
        const states: Record<string, LevelState> = {};
        for (const s of status.levels) states[s.level] = s;
        // A kiosk shows the levels it offers, starting at its start level.
        await get().refreshKiosk();
        const kiosk = get().kiosk?.enabled ? get().kiosk : undefined;
        // Lowest rank first: the bar reads from the least to the most sensitive.
        const sorted = [...levels]
          .filter((l) => !kiosk || kiosk.levels.includes(l.id))
          .sort((a, b) => a.rank - b.rank);
        set({ levels: sorted, states, loaded: true });
        if (!get().active || !sorted.some((l) => l.id === get().active)) {
          set({ active: kiosk?.startLevel ?? sorted[0]?.id });
        }
      } catch (err) {
        report(err);
      }
    },
    applyLevelState(state) {
      set({ states: { ...get().states, [state.level]: state } });
    },
    async startLevel(level) {
      try {
        get().applyLevelState(await api.call('levels.start', { level }));
      } catch (err) {
        report(err);
      }
    },
    async stopLevel(level) {
      try {
        get().applyLevelState(await api.call('levels.stop', { level }));
      } catch (err) {
        report(err);
      }
    },
  };
}
