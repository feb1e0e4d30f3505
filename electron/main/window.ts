// The window factory: the only `new BrowserWindow` of the shell, with the frozen secure preferences
// and the preload. The shell's page comes from its custom protocol, never file://.
import { BrowserWindow } from 'electron';
import { SECURE_WEB_PREFERENCES } from './secure-prefs.js';
import { SHELL_ORIGIN } from './policy.js';

export function createShellWindow(
  preload: string,
  options: { kiosk?: boolean } = {},
): BrowserWindow {
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    show: false,
    backgroundColor: '#f4f4f4',
    ...(options.kiosk ? { kiosk: true } : {}),
    // A kiosk's window has no developer tools at all (the kiosk's guards close any that open).
    webPreferences: {
      ...SECURE_WEB_PREFERENCES,
      preload,
      ...(options.kiosk ? { devTools: false } : {}),
    },
  });
  win.once('ready-to-show', () => win.show());
  // Full screen from a web app stays inside the content area: the level bar stays visible.
  win.on('enter-html-full-screen', () => win.setFullScreen(false));
  void win.loadURL(`${SHELL_ORIGIN}/`);
  return win;
}
