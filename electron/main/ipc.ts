// IPC between the shell's page and the main process. Every handler first checks that the sender is
// the shell's own top-level frame, then validates the call against core/contract; only then does
// it reach the daemon. Answers are ShellAnswer values.
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { z } from 'zod';
import type { DaemonClient } from '../../core/client/client.js';
import { CloisonError } from '../../core/contract/errors.js';
import { Id } from '../../core/contract/config.js';
import { Event, type Params } from '../../core/contract/methods.js';
import {
  adminEventTypes,
  isAdminShellMethod,
  parseShellCall,
  type ShellAnswer,
  type ShellMethod,
} from '../../core/contract/shell.js';
import { isShellUrl } from './policy.js';

export interface IpcDeps {
  shell: () => WebContents | undefined;
  daemon: () => Promise<DaemonClient>;
  /** A new daemon connection (hello said) for an administration session. */
  adminConnection: () => Promise<DaemonClient>;
  /** Sends a validated event to the shell's page. */
  sendEvent: (event: Event) => void;
  vncUrl: (level: string) => Promise<string>;
  levelSwitched: (level: string) => void;
  openWebApp: (level: string, app: string) => void;
  setAppArea: (area: AppArea) => void;
}

const WebAppRef = z.strictObject({ level: Id, app: Id });
const Area = z.strictObject({
  x: z.int().min(0).max(100_000),
  y: z.int().min(0).max(100_000),
  width: z.int().min(0).max(100_000),
  height: z.int().min(0).max(100_000),
});
export type AppArea = z.infer<typeof Area>;

function fromShell(event: IpcMainInvokeEvent | Electron.IpcMainEvent, deps: IpcDeps): boolean {
  return isShellSender(event, deps.shell());
}

/** Whether an IPC message comes from the shell's own top-level frame, on its own protocol. */
export function isShellSender(
  event: IpcMainInvokeEvent | Electron.IpcMainEvent,
  shell: WebContents | undefined,
): boolean {
  const frame = event.senderFrame;
  return (
    shell !== undefined &&
    event.sender === shell &&
    frame !== null &&
    frame === shell.mainFrame &&
    isShellUrl(frame.url)
  );
}

const refused: ShellAnswer = {
  ok: false,
  error: { code: 'WRONG_SOCKET', message: 'Only the shell’s own page may call the daemon.' },
};

export function installIpc(deps: IpcDeps): void {
  let admin: DaemonClient | undefined;
  const closeAdmin = () => {
    admin?.close();
    admin = undefined;
  };
  ipcMain.handle('cloison:call', async (event, raw: unknown): Promise<ShellAnswer> => {
    if (!fromShell(event, deps)) return refused;
    const call = parseShellCall(raw);
    if (!call.ok) return { ok: false, error: call.error };
    // (params were validated against the method's schema by parseShellCall)
    const method: ShellMethod = call.method;
    const params = call.params as Params<ShellMethod> as never;
    try {
      if (method === 'session.login') {
        closeAdmin();
        const client = await deps.adminConnection();
        try {
          const result = await client.call('session.login', params);
          await client.call('events.subscribe', {});
          admin = client;
          client.onEvent((rawEvent) => {
            const event = Event.safeParse(rawEvent);
            if (!event.success) return;
            if (!(adminEventTypes as readonly string[]).includes(event.data.type)) return;
            deps.sendEvent(event.data);
            if (event.data.type === 'session.closed' && admin === client) closeAdmin();
          });
          return { ok: true, result };
        } catch (err) {
          client.close();
          throw err;
        }
      }
      const client = admin && isAdminShellMethod(method) ? admin : await deps.daemon();
      const result = await client.call(method, params);
      if (method === 'session.logout' && client === admin) closeAdmin();
      return { ok: true, result };
    } catch (err) {
      const e = err instanceof CloisonError ? err : new CloisonError('INTERNAL', String(err));
      return { ok: false, error: { code: e.code, message: e.message } };
    }
  });
  ipcMain.handle('cloison:vnc-url', async (event, raw: unknown) => {
    if (!fromShell(event, deps)) throw new Error('refused');
    return deps.vncUrl(Id.parse(raw));
  });
  ipcMain.on('cloison:level-switched', (event, raw: unknown) => {
    if (!fromShell(event, deps)) return;
    const level = Id.safeParse(raw);
    if (level.success) deps.levelSwitched(level.data);
  });
  ipcMain.on('cloison:open-web-app', (event, raw: unknown) => {
    if (!fromShell(event, deps)) return;
    const ref = WebAppRef.safeParse(raw);
    if (ref.success) deps.openWebApp(ref.data.level, ref.data.app);
  });
  ipcMain.on('cloison:app-area', (event, raw: unknown) => {
    if (!fromShell(event, deps)) return;
    const area = Area.safeParse(raw);
    if (area.success) deps.setAppArea(area.data);
  });
}
