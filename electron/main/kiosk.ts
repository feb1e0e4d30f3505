// Kiosk mode in the Electron main process: the locked window's guards, installed app-wide on
// every webContents as it is created (the shell's page and every web-app view): swallowed
// shortcuts, no developer tools, no context menu, no new windows, no zoom; the window cannot be
// closed until an administrator passes the admin step. Electron-only glue, type-checked here.
import { app, ipcMain, type BrowserWindow, type WebContents } from 'electron';
import { z } from 'zod';
import { DaemonClient } from '../../core/client/client.js';
import { CloisonError } from '../../core/contract/errors.js';
import { debuggingSwitches, kioskSwallows } from './kiosk-keys.js';
import { isShellSender } from './ipc.js';

/**
 * Refuses to run a kiosk with a debugger switch on its command line (or in the environment's
 * Node options): said in one line, and the process exits before any window exists.
 */
export function refuseDebugging(argv: readonly string[], log: (line: string) => void): void {
  const found = debuggingSwitches(argv);
  if (process.env.NODE_OPTIONS) found.push(`NODE_OPTIONS=${process.env.NODE_OPTIONS}`);
  if (found.length === 0) return;
  log(`kiosk: refusing to start with ${found.join(' ')} (a debugger into a locked shell)`);
  app.exit(2);
}

/** The guards of one webContents in kiosk mode. */
function lock(contents: WebContents, log: (line: string) => void): void {
  let inFullScreen = false;
  contents.on('enter-html-full-screen', () => (inFullScreen = true));
  contents.on('leave-html-full-screen', () => (inFullScreen = false));
  contents.on('before-input-event', (event, input) => {
    const swallowed = kioskSwallows(input, { inFullScreen });
    if (swallowed) event.preventDefault();
  });
  // Developer tools: off in the preferences, and closed at once should anything open them.
  contents.on('devtools-opened', () => {
    log('kiosk: developer tools were opened; closed');
    contents.closeDevTools();
  });
  contents.on('context-menu', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  // Pinch and Ctrl+wheel zoom: the shell's layout (and its level bar) stay as they are.
  void contents.setVisualZoomLevelLimits(1, 1).catch(() => undefined);
  contents.on('zoom-changed', () => contents.setZoomLevel(0));
}

export interface KioskOptions {
  userSocket: string;
  /** The shell's own page: the only sender the unlock call is taken from. */
  shell: () => WebContents | undefined;
  log: (line: string) => void;
}

const Unlock = z.strictObject({
  account: z.string().min(1).max(64),
  passphrase: z.string().min(1).max(1024),
  what: z.enum(['exit', 'admin-console']),
});

/**
 * Installs kiosk mode before any window exists. Returns what the window factory needs: whether a
 * close is allowed (only after an administrator's unlock) and the handler for the unlock call.
 */
export function installKiosk(options: KioskOptions): { guardWindow(win: BrowserWindow): void } {
  let unlocked = false;
  app.on('web-contents-created', (_event, contents) => lock(contents, options.log));
  // The admin step: the passphrase goes to the daemon on a connection of its own (the shell's
  // session never gains the role), and only an administrator's login unlocks.
  ipcMain.handle('cloison:kiosk-unlock', async (event, raw: unknown) => {
    if (!isShellSender(event, options.shell())) return { ok: false, message: 'refused' };
    const request = Unlock.safeParse(raw);
    if (!request.success) return { ok: false, message: 'An account and a passphrase are needed.' };
    let client: DaemonClient | undefined;
    try {
      client = await DaemonClient.connect(options.userSocket);
      const login = await client.call('session.login', {
        account: request.data.account,
        passphrase: request.data.passphrase,
      });
      if (login.role !== 'admin')
        return { ok: false, message: 'Only an administrator may unlock the kiosk.' };
      options.log(`kiosk: ${request.data.account} unlocked ${request.data.what}`);
      if (request.data.what === 'exit') {
        unlocked = true;
        setImmediate(() => app.quit());
      }
      return { ok: true, message: 'unlocked' };
    } catch (err) {
      return { ok: false, message: err instanceof CloisonError ? err.message : String(err) };
    } finally {
      client?.close();
    }
  });
  return {
    guardWindow(win) {
      win.on('close', (event) => {
        if (!unlocked) event.preventDefault();
      });
      win.on('leave-full-screen', () => {
        if (!unlocked) win.setKiosk(true);
      });
    },
  };
}
