// Kiosk mode's keyboard and command-line decisions, pure (tested under plain Node): which key
// combinations are swallowed before any view sees them (they would leave, reload, print, zoom or
// inspect the shell), and which command-line switches would open a debugger into it.

/** The fields of Electron's `Input` (before-input-event) that the decision reads. */
export interface KeyInput {
  type: string;
  key: string;
  code?: string;
  control: boolean;
  alt: boolean;
  shift: boolean;
  meta: boolean;
}

interface Combo {
  name: string;
  key: string;
  control?: boolean;
  alt?: boolean;
  shift?: boolean;
  /** Only while a page holds HTML full screen (Escape leaves it); elsewhere Escape is the app's. */
  inFullScreen?: boolean;
}

/**
 * Swallowed in kiosk mode. Keys compare case-insensitively; a combination lists every modifier it
 * needs, and any other modifier held with it still matches (Ctrl+Alt+W closes like Ctrl+W). The
 * shell's own keys (Ctrl+Alt+digit, Ctrl+Shift+C/V) are not here and pass.
 */
export const KIOSK_SWALLOWED: readonly Combo[] = Object.freeze([
  { name: 'close window', key: 'F4', alt: true },
  { name: 'close tab', key: 'w', control: true },
  { name: 'quit', key: 'q', control: true },
  { name: 'full screen', key: 'F11' },
  { name: 'leave full screen', key: 'Escape', inFullScreen: true },
  { name: 'developer tools', key: 'i', control: true, shift: true },
  { name: 'console', key: 'j', control: true, shift: true },
  { name: 'developer tools', key: 'F12' },
  { name: 'print', key: 'p', control: true },
  { name: 'reload', key: 'r', control: true },
  { name: 'reload', key: 'F5' },
  { name: 'view source', key: 'u', control: true },
  { name: 'new window', key: 'n', control: true },
  { name: 'new tab', key: 't', control: true },
  { name: 'zoom in', key: '+', control: true },
  { name: 'zoom in', key: '=', control: true },
  { name: 'zoom out', key: '-', control: true },
  { name: 'zoom out', key: '_', control: true },
  { name: 'reset zoom', key: '0', control: true },
  { name: 'back', key: 'ArrowLeft', alt: true },
  { name: 'forward', key: 'ArrowRight', alt: true },
  { name: 'back', key: 'BrowserBack' },
  { name: 'forward', key: 'BrowserForward' },
  { name: 'reload', key: 'BrowserRefresh' },
]);

/** The name of the shortcut `input` would trigger, if kiosk mode swallows it; else undefined. */
export function kioskSwallows(
  input: KeyInput,
  context: { inFullScreen: boolean } = { inFullScreen: false },
): string | undefined {
  if (input.type !== 'keyDown' && input.type !== 'keyUp' && input.type !== 'rawKeyDown')
    return undefined;
  const key = input.key.length === 1 ? input.key.toLowerCase() : input.key;
  // Meta stands for Control where a keyboard maps it so (Cmd+Q, Cmd+W).
  const control = input.control || input.meta;
  for (const combo of KIOSK_SWALLOWED) {
    const comboKey = combo.key.length === 1 ? combo.key.toLowerCase() : combo.key;
    if (comboKey !== key) continue;
    if (combo.control && !control) continue;
    if (combo.alt && !input.alt) continue;
    if (combo.shift && !input.shift) continue;
    if (combo.inFullScreen && !context.inFullScreen) continue;
    // A plain-key entry (F11, F12, F5) matches with any modifier: Shift+F12 still opens nothing.
    return combo.name;
  }
  return undefined;
}

/**
 * Switches that would let a debugger or Node options into the shell; a kiosk refuses to start.
 * Chromium takes them with one dash too (`-remote-debugging-port=…`, seen working in the trial).
 */
const DEBUG_SWITCH =
  /^--?(remote-debugging-(port|pipe|address|targets)|inspect(-brk|-port|-publish-uid)?|js-flags|remote-allow-origins|auto-open-devtools-for-tabs)(=|$)/u;

export function debuggingSwitches(argv: readonly string[]): string[] {
  return argv.filter((a) => DEBUG_SWITCH.test(a));
}
