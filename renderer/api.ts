// The shell's only way to the daemon: `window.cloison`, which the Electron preload exposes, or in
// the browser host the same interface over HTTP and WebSockets (the session cookie carries the
// secret). Answers and events are validated against core/contract as they arrive.
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

/** The shell's API in the browser host: calls POSTed to /rpc, events from /events. */
export function browserApi(origin: string = location.origin): ShellApi {
  const listeners = new Set<(event: Event) => void>();
  let socket: WebSocket | undefined;
  const open = () => {
    socket = new WebSocket(`${origin.replace(/^http/u, 'ws')}/events`);
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
  // the host opens only for the browser holding that session's cookie.
  let adminSocket: WebSocket | undefined;
  const openAdmin = () => {
    adminSocket?.close();
    const ws = new WebSocket(`${origin.replace(/^http/u, 'ws')}/admin-events`);
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
      if (method === 'session.logout') adminSocket?.close();
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
      res = await fetch(`${origin}/rpc`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ method, params }),
        credentials: 'same-origin',
      });
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
  return `${origin.replace(/^http/u, 'ws')}/vnc/${encodeURIComponent(level)}`;
}

export function shellApi(): ShellApi {
  return window.cloison ? electronApi(window.cloison) : browserApi();
}
