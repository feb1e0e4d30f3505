// The level displays on screen (noVNC clients), by level: the keyboard switch uses this to release
// every pressed key in the level being left and to give the keyboard to the new one only.
import type RFB from '@novnc/novnc';

const displays = new Map<string, RFB>();

export function registerDisplay(level: string, rfb: RFB): () => void {
  displays.set(level, rfb);
  return () => {
    if (displays.get(level) === rfb) displays.delete(level);
  };
}

/**
 * Every display but `keep` stops taking keys. First each one sends a key-up for every key it holds
 * down, to the level that saw the key-down (noVNC's own release, the one it runs when the window
 * loses focus: it must run while the display still sends, since a view-only display sends
 * nothing), then it becomes view-only. Synchronous: done before the next key event is delivered.
 */
export function releaseKeysExcept(keep: string | undefined): void {
  for (const [level, rfb] of displays) {
    if (level === keep) continue;
    const keyboard = (rfb as unknown as { _keyboard?: { _allKeysUp?: () => void } })._keyboard;
    if (!rfb.viewOnly) keyboard?._allKeysUp?.();
    rfb.viewOnly = true;
  }
}

/** The level's display takes the keyboard, if it is on screen; false otherwise. */
export function giveKeyboard(level: string): boolean {
  const rfb = displays.get(level);
  if (!rfb) return false;
  rfb.viewOnly = false;
  rfb.focus({ preventScroll: true });
  return true;
}
