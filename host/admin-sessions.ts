// The browser host's admin sessions: each `session.login` from the page opens a daemon connection
// of its own, named by an id the page's tab keeps and sends in a header (never a cookie, which
// other ports of 127.0.0.1 would receive too), so the user's connection never gains an
// administrator's calls and an approval comes from another session than the request. Trust
// boundary: the page; the daemon still decides every call's role, this only routes.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { WebSocket } from 'ws';
import { DaemonClient } from '../core/client/client.js';
import { CloisonError } from '../core/contract/errors.js';
import { Event, type Params, type Result } from '../core/contract/methods.js';
import { adminEventTypes, type AdminShellMethod } from '../core/contract/shell.js';

interface AdminSession {
  client: DaemonClient;
  sockets: Set<WebSocket>;
}

export class AdminSessions {
  private readonly sessions = new Map<string, AdminSession>();

  constructor(
    private readonly socket: string,
    private readonly actor: string,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * Opens a connection, says who the shell's user is, and logs in on it. Returns the id that names
   * the session; a refused login leaves nothing open (the daemon's delay applies).
   */
  async login(
    params: Params<'session.login'>,
  ): Promise<{ id: string; result: Result<'session.login'> }> {
    const client = await DaemonClient.connect(this.socket);
    try {
      await client.call('session.hello', {
        actor: this.actor,
        client: 'cloison-shell (browser host, admin console)',
      });
      const result = await client.call('session.login', params);
      await client.call('events.subscribe', {});
      const id = randomBytes(32).toString('base64url');
      const session: AdminSession = { client, sockets: new Set() };
      this.sessions.set(id, session);
      client.onEvent((raw) => {
        const event = Event.safeParse(raw);
        if (!event.success) return this.log('host: dropped an admin event off the contract');
        // Only what is the admin session's own: the user's connection carries the rest.
        if (!(adminEventTypes as readonly string[]).includes(event.data.type)) return;
        const text = JSON.stringify(event.data);
        for (const ws of session.sockets) ws.send(text);
        if (event.data.type === 'session.closed') this.drop(id);
      });
      return { id, result };
    } catch (err) {
      client.close();
      throw err;
    }
  }

  /** The session a request names (its header or query), if it is still open. */
  find(given: string | undefined): string | undefined {
    if (!given) return undefined;
    for (const id of this.sessions.keys()) {
      const a = Buffer.from(id);
      const b = Buffer.from(given);
      if (a.length === b.length && timingSafeEqual(a, b)) return id;
    }
    return undefined;
  }

  async call<M extends AdminShellMethod>(id: string, method: M, params: Params<M>) {
    const session = this.sessions.get(id);
    if (!session) throw new CloisonError('NOT_ALLOWED', 'The administration session is closed.');
    try {
      return await session.client.call(method, params);
    } catch (err) {
      // A dropped connection took the login with it: forget the session rather than reconnect.
      if (err instanceof CloisonError && err.details.unreachable) this.drop(id);
      throw err;
    }
  }

  /** A page's live tail and closing notice, for as long as the session lives. */
  attach(id: string, ws: WebSocket): boolean {
    const session = this.sessions.get(id);
    if (!session) return false;
    session.sockets.add(ws);
    ws.on('close', () => session.sockets.delete(ws));
    return true;
  }

  drop(id: string): void {
    const session = this.sessions.get(id);
    if (!session) return;
    this.sessions.delete(id);
    session.client.close();
    for (const ws of session.sockets) ws.close(1000, 'The administration session closed.');
  }

  closeAll(): void {
    for (const id of [...this.sessions.keys()]) this.drop(id);
  }
}
