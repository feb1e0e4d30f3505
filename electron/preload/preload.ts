// The sandboxed preload: forwards typed calls to the main process and holds no logic. It exposes
// `window.cloison` (core/contract's ShellBridge) and nothing else; ipcRenderer never reaches the page.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { ShellBridge } from '../../core/contract/shell.js';

const bridge: ShellBridge = {
  mode: 'electron',
  call: (method, params) => ipcRenderer.invoke('cloison:call', { method, params }),
  onEvent(listener) {
    const forward = (_e: IpcRendererEvent, event: unknown) => listener(event);
    ipcRenderer.on('cloison:event', forward);
    return () => {
      ipcRenderer.removeListener('cloison:event', forward);
    };
  },
  vncUrl: (level) => ipcRenderer.invoke('cloison:vnc-url', level) as Promise<string>,
  levelSwitched: (level) => ipcRenderer.send('cloison:level-switched', level),
  openWebApp: (level, app) => ipcRenderer.send('cloison:open-web-app', { level, app }),
  setAppArea: (area) => ipcRenderer.send('cloison:app-area', area),
  kioskUnlock: (account, passphrase, what) =>
    ipcRenderer.invoke('cloison:kiosk-unlock', { account, passphrase, what }) as Promise<{
      ok: boolean;
      message: string;
    }>,
};

contextBridge.exposeInMainWorld('cloison', bridge);
