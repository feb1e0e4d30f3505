// The shell's only way to the daemon: `window.cloison`, which the Electron preload exposes, or in
// the browser host the same interface over HTTP and WebSockets, each call and socket carrying the
// tab's session secret (kept in sessionStorage: no other origin, no other port, reads it; never a
// cookie). Answers and events are validated against core/contract as they arrive.
import { CloisonError } from '../core/contract/errors.js';
import { Event, methods, type Params, type Result } from '../core/contract/methods.js';
import {
  ShellAnswer,
  type ShellApi,
  type ShellBridge,
  type ShellMethod,
} from '../core/contract/shell.js';

declare global {
  interface Window {
    cloison?: ShellBridge;
  }
}

const SECRET_KEY = 'cloison-session';
const ADMIN_KEY = 'cloison-admin';

/**
 * The tab's session secret: handed over once in the opening page (a meta element), then kept in
 * this tab's sessionStorage, so that a reload keeps the session and the address bar shows `/`.
 */
export function sessionSecret(): string {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="cloison-session"]');
  if (meta?.content) {
    sessionStorage.setItem(SECRET_KEY, meta.content);
    meta.remove();
    history.replaceState(null, '', '/');
  }
  return sessionStorage.getItem(SECRET_KEY) ?? '';
}

/** A WebSocket URL of the host, with the tab's secret (and admin session) in its query. */
function socketUrl(origin: string, path: string, extra: Record<string, string> = {}): string {
  const query = new URLSearchParams({ session: sessionSecret(), ...extra });
  return `${origin.replace(/^http/u, 'ws')}${path}?${query.toString()}`;
}

/** The shell's API in the browser host: calls POSTed to /rpc, events from /events. */
export function browserApi(origin: string = location.origin): ShellApi {
  const listeners = new Set<(event: Event) => void>();
  let socket: WebSocket | undefined;
  const open = () => {
    socket = new WebSocket(socketUrl(origin, '/events'));
    socket.onmessage = (m) => {
      let raw: unknown;
      try {
        raw = JSON.parse(String(m.data));
      } catch {
        return;
      }
      const event = Event.safeParse(raw);
      if (event.success) for (const l of listeners) l(event.data);
    };
    socket.onclose = () => {
      socket = undefined;
      if (listeners.size > 0) setTimeout(open, 1000);
    };
  };
  // The admin session's own events (live tail, its closing) come on a socket of their own, which
  // the host opens only for the tab holding that session's id.
  let adminSocket: WebSocket | undefined;
  const openAdmin = () => {
    adminSocket?.close();
    const admin = sessionStorage.getItem(ADMIN_KEY);
    if (!admin) return;
    const ws = new WebSocket(socketUrl(origin, '/admin-events', { admin }));
    adminSocket = ws;
    ws.onmessage = (m) => {
      let raw: unknown;
      try {
        raw = JSON.parse(String(m.data));
      } catch {
        return;
      }
      const event = Event.safeParse(raw);
      if (event.success) for (const l of listeners) l(event.data);
    };
    ws.onclose = () => {
      if (adminSocket === ws) adminSocket = undefined;
    };
  };
  return {
    mode: 'browser',
    async call<M extends ShellMethod>(method: M, params: Params<M>): Promise<Result<M>> {
      const result = await post(method, params);
      if (method === 'session.login') openAdmin();
      if (method === 'session.logout') {
        sessionStorage.removeItem(ADMIN_KEY);
        adminSocket?.close();
      }
      return result;
    },
    async vncUrl(level) {
      return vncUrl(level, origin);
    },
    onEvent(listener) {
      listeners.add(listener);
      if (!socket) open();
      return () => listeners.delete(listener);
    },
  };

  async function post<M extends ShellMethod>(method: M, params: Params<M>): Promise<Result<M>> {
    let res: Response;
    try {
      const admin = sessionStorage.getItem(ADMIN_KEY);
      res = await fetch(`${origin}/rpc`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-cloison-session': sessionSecret(),
          ...(admin ? { 'x-cloison-admin': admin } : {}),
        },
        body: JSON.stringify({ method, params }),
        credentials: 'omit',
      });
      // A login's answer names the tab's new admin session.
      const opened = res.headers.get('x-cloison-admin');
      if (method === 'session.login' && opened) sessionStorage.setItem(ADMIN_KEY, opened);
    } catch {
      throw new CloisonError('INTERNAL', 'The shell host cannot be reached.', {
        unreachable: true,
      });
    }
    let raw: unknown;
    try {
      raw = await res.json();
    } catch {
      throw new CloisonError(
        'INTERNAL',
        `The shell host answered ${res.status} without a call result.`,
      );
    }
    return unwrap(method, raw);
  }
}

/** One answer, validated: the result as the contract says, or the coded error, thrown. */
function unwrap<M extends ShellMethod>(method: M, raw: unknown): Result<M> {
  const answer = ShellAnswer.safeParse(raw);
  if (!answer.success)
    throw new CloisonError('INTERNAL', "The shell's host sent a malformed answer.");
  if (!answer.data.ok) throw new CloisonError(answer.data.error.code, answer.data.error.message);
  const result = methods[method].result.safeParse(answer.data.result);
  if (!result.success) {
    throw new CloisonError('INTERNAL', `The answer to ${method} does not match the contract.`);
  }
  return result.data as Result<M>;
}

/** The shell's API in Electron: the preload's bridge, its answers and events validated here. */
export function electronApi(bridge: ShellBridge): ShellApi {
  return {
    mode: 'electron',
    async call(method, params) {
      return unwrap(method, await bridge.call(method, params));
    },
    onEvent(listener) {
      return bridge.onEvent((raw) => {
        const event = Event.safeParse(raw);
        if (event.success) listener(event.data);
      });
    },
    vncUrl: (level) => bridge.vncUrl(level),
    levelSwitched: (level) => bridge.levelSwitched(level),
    openWebApp: (level, app) => bridge.openWebApp(level, app),
    setAppArea: (area) => bridge.setAppArea(area),
    kioskUnlock: (account, passphrase, what) => bridge.kioskUnlock(account, passphrase, what),
  };
}

/** Where a level's display is bridged (VNC over a WebSocket), for noVNC. */
export function vncUrl(level: string, origin: string = location.origin): string {
  return socketUrl(origin, `/vnc/${encodeURIComponent(level)}`);
}

export function shellApi(): ShellApi {
  if (window.cloison) return electronApi(window.cloison);
  // Taken from the opening page at once: the address bar shows `/`, not the page that gave it.
  sessionSecret();
  return browserApi();
}
