// The web preferences of every shell window and web-app view, frozen: the window factory and the
// view factory spread these and add only a preload or a partition. Data only, so a plain-Node test
// can assert every flag without an Electron runtime.
import type { WebPreferences } from 'electron';

export const SECURE_WEB_PREFERENCES: Readonly<WebPreferences> = Object.freeze({
  /** Renderer processes in the OS sandbox. */
  sandbox: true,
  /** The preload's world apart from the page's: the page cannot reach ipcRenderer. */
  contextIsolation: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  /** No <webview>: views exist only through the main process's factory. */
  webviewTag: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
  navigateOnDragDrop: false,
  safeDialogs: true,
  spellcheck: false,
});
