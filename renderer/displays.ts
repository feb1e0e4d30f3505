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
 * Every display but `keep` stops taking keys: noVNC's ungrab sends a key-up for each key it holds
 * down, to the level that saw the key-down, before anything else is delivered.
 */
export function releaseKeysExcept(keep: string | undefined): void {
  for (const [level, rfb] of displays) if (level !== keep) rfb.viewOnly = true;
}

/** The level's display takes the keyboard, if it is on screen; false otherwise. */
export function giveKeyboard(level: string): boolean {
  const rfb = displays.get(level);
  if (!rfb) return false;
  rfb.viewOnly = false;
  rfb.focus({ preventScroll: true });
  return true;
}
