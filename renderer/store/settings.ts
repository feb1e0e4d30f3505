// Settings slice: language (system locale unless overridden) and the level shortcuts.
import { systemLocale, translate, type Key, type Locale } from '../i18n.js';
import type { SliceContext } from './store.js';

/** A shortcut as written in settings: modifiers and a key code, e.g. `Ctrl+Alt+Digit1`. */
export const DEFAULT_SHORTCUTS = Array.from({ length: 9 }, (_, i) => `Ctrl+Alt+Digit${i + 1}`);

export interface SettingsSlice {
  localeOverride: Locale | undefined;
  locale: Locale;
  /** Shortcut per position in the level bar. */
  shortcuts: string[];
  setLocale(locale: Locale | undefined): void;
  setShortcut(index: number, shortcut: string): void;
  t(key: Key, vars?: Record<string, string | number>): string;
}

export function createSettingsSlice(
  { set, get }: SliceContext,
  languages?: readonly string[],
): SettingsSlice {
  const system = systemLocale(languages);
  return {
    localeOverride: undefined,
    locale: system,
    shortcuts: DEFAULT_SHORTCUTS,
    setLocale(locale) {
      set({ localeOverride: locale, locale: locale ?? system });
    },
    setShortcut(index, shortcut) {
      const shortcuts = [...get().shortcuts];
      shortcuts[index] = shortcut;
      set({ shortcuts });
    },
    t(key, vars) {
      return translate(get().locale, key, vars);
    },
  };
}

/** The shortcut an event spells, in the settings' notation. */
export function shortcutOf(e: {
  ctrlKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
  metaKey: boolean;
  code: string;
}): string {
  return [
    e.ctrlKey && 'Ctrl',
    e.altKey && 'Alt',
    e.shiftKey && 'Shift',
    e.metaKey && 'Meta',
    e.code,
  ]
    .filter(Boolean)
    .join('+');
}
