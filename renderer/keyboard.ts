// Level switching and the cross-level clipboard keys. Listened to on the window in the capture
// phase, before any display sees the key: a level shortcut never reaches a level. A switch releases
// every pressed key in the level left and moves focus, synchronously, before the next key event.
import { flushSync } from 'react-dom';
import { giveKeyboard, releaseKeysExcept } from './displays.js';
import { shortcutOf } from './store/settings.js';
import type { ShellStore } from './store/store.js';

/** Moves the keyboard from the active level's display to its workspace's panel. */
export const LEAVE_DISPLAY = 'Ctrl+Alt+Digit0';

export function switchLevel(store: ShellStore, level: string): void {
  releaseKeysExcept(level);
  let switched = false;
  flushSync(() => {
    switched = store.getState().switchToLevel(level);
  });
  if (!switched) return;
  if (!giveKeyboard(level))
    document.getElementById(`workspace-${level}`)?.focus({ preventScroll: true });
}

export function installShortcuts(store: ShellStore): () => void {
  /** Keys whose key-down the shell took: their key-up is the shell's too. */
  const swallowed = new Set<string>();
  const down = (e: KeyboardEvent) => {
    const s = store.getState();
    const shortcut = shortcutOf(e);
    const index = s.shortcuts.indexOf(shortcut);
    let handled = true;
    // A trusted dialog stays in front of its level: no switch, no capture, no paste behind it (the
    // keys are still the shell's, so they reach no level either).
    const modal = document.querySelector('[aria-modal="true"]') !== null;
    const shellKey =
      index >= 0 ||
      shortcut === LEAVE_DISPLAY ||
      shortcut === 'Ctrl+Shift+KeyC' ||
      shortcut === 'Ctrl+Shift+KeyV';
    if (modal && shellKey) {
      // Swallowed below, and nothing else.
    } else if (shortcut === LEAVE_DISPLAY && s.active) {
      // Keyboard-only use: a display takes Tab and Escape, so this is the way back to the shell
      // (noVNC lets go of the keys it holds when its canvas loses the focus).
      const panel = document.querySelector<HTMLElement>(
        `#workspace-${s.active} .workspace-side button`,
      );
      (panel ?? document.getElementById(`workspace-${s.active}`))?.focus({ preventScroll: true });
    } else if (index >= 0) {
      const level = s.levelAt(index);
      if (level) switchLevel(store, level);
    } else if (shortcut === 'Ctrl+Shift+KeyC' && s.active) {
      void s.captureClipboard(s.active);
    } else if (shortcut === 'Ctrl+Shift+KeyV' && s.active) {
      void s.pasteClipboard(s.active);
    } else handled = false;
    if (handled) {
      e.preventDefault();
      e.stopImmediatePropagation();
      swallowed.add(e.code);
    }
  };
  const up = (e: KeyboardEvent) => {
    if (swallowed.delete(e.code)) {
      e.preventDefault();
      e.stopImmediatePropagation();
    }
  };
  window.addEventListener('keydown', down, true);
  window.addEventListener('keyup', up, true);
  return () => {
    window.removeEventListener('keydown', down, true);
    window.removeEventListener('keyup', up, true);
  };
}
