// The Electron shell's main process: one instance, sandboxed renderers, the shell's page from its
// own protocol, the daemon (system or embedded), IPC checked and validated, web-app guards installed
// app-wide, and the system clipboard swapped on every level switch.
import { app, clipboard, type WebContents } from 'electron';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { Event, type LevelInfo } from '../../core/contract/methods.js';
import { LevelClipboards } from './clipboard-swap.js';
import { cloisondPath, connectDaemon } from './daemon.js';
import { installIpc } from './ipc.js';
import { installKiosk, refuseDebugging } from './kiosk.js';
import { isShellUrl } from './policy.js';
import { registerShellScheme, serveShell } from './protocol.js';
import { startVncBridge } from './vnc.js';
import { createShellWindow } from './window.js';
import { WebApps } from './web-apps.js';
import { levelHome, statePaths } from '../../core/state/paths.js';

function log(line: string): void {
  process.stderr.write(`cloison-shell[electron]: ${line}\n`);
}

const args = process.argv;
const stateArg = args.indexOf('--state');
const state = resolve(
  stateArg >= 0 && args[stateArg + 1]
    ? args[stateArg + 1]!
    : (process.env.CLOISON_STATE ?? join(homedir(), '.local', 'state', 'cloison')),
);

// A system install's sockets (`--run /run/cloison` or $CLOISON_RUN), else the state folder's.
const runArg = args.indexOf('--run');
const runDir = runArg >= 0 && args[runArg + 1] ? args[runArg + 1] : process.env.CLOISON_RUN;
const userSocket = runDir ? join(resolve(runDir), 'user.sock') : join(state, 'run', 'user.sock');

if (!app.requestSingleInstanceLock()) {
  log('another shell is running; this one quits');
  app.quit();
} else {
  app.enableSandbox();
  registerShellScheme();
  // App-wide guards: no view the factories did not make, no navigation of the shell's page away
  // from itself, no window.open from it.
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (e) => e.preventDefault());
    if (contents.getType() === 'window') {
      contents.on('will-navigate', (e, url) => {
        if (!isShellUrl(url)) e.preventDefault();
      });
      contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    }
  });
  void app.whenReady().then(start);
}

async function start(): Promise<void> {
  const dist = __dirname;
  serveShell(join(dist, '..', 'renderer'));
  let levels: LevelInfo[] = [];
  let shell: WebContents | undefined;
  /** Made with the window, below; the IPC handlers are installed first, before the page loads. */
  const webApps: { current?: WebApps } = {};
  const refreshLevels = () =>
    void daemon
      .client()
      .then((c) => c.call('levels.list', {}))
      .then(
        (r) => (levels = r.levels),
        () => undefined,
      );
  const daemon = await connectDaemon({
    userSocket,
    state,
    cloisondJs: cloisondPath(dist),
    log,
    onEvent: (raw) => {
      const event = Event.safeParse(raw);
      if (!event.success) return;
      if (event.data.type === 'config.reloaded') refreshLevels();
      // The next person finds no page, cookie or login of the last one in an ephemeral level.
      if (event.data.type === 'kiosk.reset')
        void webApps.current?.reset().catch((err: unknown) => log(`kiosk reset: ${String(err)}`));
      shell?.send('cloison:event', event.data);
    },
    // The renderer shows a banner while the daemon is away, and asks for its levels once back.
    onLink: (connected, message) => {
      if (connected) refreshLevels();
      shell?.send('cloison:event', { type: 'shell.daemon', connected, message });
    },
  });
  const vnc = await startVncBridge(daemon.client);
  const clipboards = new LevelClipboards({
    availableFormats: () => clipboard.availableFormats(),
    readBuffer: (f) => clipboard.readBuffer(f),
    writeBuffer: (f, d) => clipboard.writeBuffer(f, d),
    clear: () => clipboard.clear(),
  });
  const client = await daemon.client();
  levels = (await client.call('levels.list', {})).levels;
  // Kiosk: asked for on the command line, or by the daemon's configuration (its word wins over
  // the absence of the flag). Installed before the window, so that no webContents escapes it.
  const kioskMode =
    process.argv.includes('--kiosk') ||
    (await client.call('kiosk.status', {}).then(
      (s) => s.enabled,
      () => false,
    ));
  if (kioskMode) refuseDebugging(process.argv, log);
  const kiosk = kioskMode ? installKiosk({ userSocket, shell: () => shell, log }) : undefined;
  const paths = statePaths(state);
  installIpc({
    shell: () => shell,
    daemon: daemon.client,
    adminConnection: daemon.newConnection,
    sendEvent: (event) => shell?.send('cloison:event', event),
    vncUrl: async (level) => vnc.url(level),
    levelSwitched: (level) => {
      if (!levels.some((l) => l.id === level)) return;
      clipboards.switchTo(level);
      webApps.current?.levelSwitched(level);
    },
    // The daemon's word on what a kiosk lets its user open, as for native apps: the renderer's
    // launcher only hides the others, and a page could still ask.
    openWebApp: (level, appId) =>
      void daemon
        .client()
        .then((c) => c.call('kiosk.status', {}))
        .then((status) => {
          if (status.enabled && !status.launchable[level]?.includes(appId)) {
            log(`kiosk: web app ${appId} of level ${level} is not one it lets be opened`);
            return;
          }
          webApps.current?.open(level, appId);
        })
        .catch((err: unknown) =>
          log(`web app ${appId} of level ${level} not opened: ${String(err)}`),
        ),
    setAppArea: (area) => webApps.current?.setArea(area),
  });
  const win = createShellWindow(join(dist, 'preload.cjs'), { kiosk: kioskMode });
  kiosk?.guardWindow(win);
  shell = win.webContents;
  webApps.current = new WebApps(
    win,
    () => levels,
    (level) => levelHome(paths, level),
    log,
  );
  win.on('closed', () => (shell = undefined));
  app.on('window-all-closed', () => {
    vnc.close();
    void daemon.stop().then(() => app.quit());
  });
}
