// The browser host: serves the shell's renderer on loopback to a system Chromium where no Electron
// runtime exists, and bridges it to the daemon's user socket. Trust boundary: anything that can
// reach loopback can knock, so every call and socket needs the per-session secret (a one-time
// token in the opening URL, exchanged for a secret the page keeps in its tab's sessionStorage and
// sends in a header; never a cookie, which the browser would also send to any other port of
// 127.0.0.1, where a level on the host network may listen), a Host naming this server (no DNS
// rebinding), and an Origin naming it (no cross-site request); every call is validated against
// core/contract before it is forwarded. The host decides nothing: the daemon does.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import { extname, join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { DaemonClient } from '../core/client/client.js';
import { Id } from '../core/contract/config.js';
import { CloisonError, type ErrorCode } from '../core/contract/errors.js';
import { Event, type Params } from '../core/contract/methods.js';
import {
  isAdminShellMethod,
  parseShellCall,
  type ShellAnswer,
  type ShellMethod,
} from '../core/contract/shell.js';
import { AdminSessions } from './admin-sessions.js';

/** The header (calls) and query parameter (WebSockets) that carry the session secret. */
export const SECRET_HEADER = 'x-cloison-session';
/** The header and query parameter that name this tab's administration session, once opened. */
export const ADMIN_HEADER = 'x-cloison-admin';
/** Where the opening page hands the secret to the renderer, which moves it to sessionStorage. */
export const SECRET_META = 'cloison-session';
/** The largest call body accepted (a clipboard item is never sent by the shell, only names). */
const MAX_BODY_BYTES = 1024 * 1024;

export interface HostOptions {
  /** The daemon's user socket. */
  userSocket: string;
  /** Who the user is, as the audit log records it. */
  actor: string;
  /** The renderer's built files (index.html, shell.js, shell.css, …). */
  rendererDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  log?: (line: string) => void;
}

export interface Host {
  /** http://127.0.0.1:PORT */
  origin: string;
  /** The opening URL, with a one-time token: the first request to it gets the session secret. */
  openingUrl: string;
  /** A new opening URL (one-time), e.g. for a test's second browser. */
  newOpeningUrl(): string;
  close(): Promise<void>;
}

/** The renderer's Content-Security-Policy: its own scripts and styles, nothing inline, nothing else. */
export function contentSecurityPolicy(origin: string): string {
  const ws = origin.replace(/^http:/u, 'ws:');
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self' ${ws}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

export async function startHost(options: HostOptions): Promise<Host> {
  const log = options.log ?? (() => {});
  const secret = randomBytes(32).toString('base64url');
  const tokens = new Set<string>();
  const files = await loadRenderer(options.rendererDir);
  const daemon = new DaemonLink(options.userSocket, options.actor, log);
  const admins = new AdminSessions(options.userSocket, options.actor, log);
  const eventSockets = new Set<WebSocket>();
  daemon.onEvent((event) => {
    const text = JSON.stringify(event);
    for (const ws of eventSockets) ws.send(text);
  });
  const vncBridges = new Set<{ ws: WebSocket; unix: Socket }>();

  let origin = '';
  let hostHeader = '';

  const newOpeningUrl = () => {
    const token = randomBytes(32).toString('base64url');
    tokens.add(token);
    return `${origin}/session?token=${token}`;
  };

  /** Host and secret, checked on every call and socket; the reason, when refused. */
  function refusal(
    req: IncomingMessage,
    given: string | undefined,
  ): { status: number; reason: string } | undefined {
    if (req.headers.host !== hostHeader)
      return { status: 421, reason: `This host answers only to ${hostHeader}.` };
    if (!sameSecret(given, secret))
      return {
        status: 403,
        reason: 'This session needs its secret: open the URL that `npm start` printed.',
      };
    return undefined;
  }
  function sameOrigin(req: IncomingMessage): boolean {
    return req.headers.origin === origin;
  }

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      log(`host: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) send(res, 500, 'text/plain', 'The host failed; see its log.');
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname === '/session' && req.method === 'GET') {
      if (req.headers.host !== hostHeader) return send(res, 421, 'text/plain', 'Wrong host.');
      const token = url.searchParams.get('token') ?? '';
      // One use: a token seen in a history, a log or a process list opens nothing later.
      if (!tokens.delete(token)) {
        return send(res, 403, 'text/plain', 'This opening link was used already or is unknown.');
      }
      // The shell's page itself, with the secret for this tab; the renderer keeps it in the tab's
      // sessionStorage (another origin, another port included, cannot read it) and puts `/` in
      // the address bar.
      res.writeHead(200, {
        'content-type': TYPES['.html']!,
        ...securityHeaders(origin),
      });
      res.end(withSecret(files.get('index.html')!, secret));
      return;
    }
    if (req.headers.host !== hostHeader)
      return send(res, 421, 'text/plain', `This host answers only to ${hostHeader}.`);

    if (url.pathname === '/rpc') {
      const refused = refusal(req, header(req, SECRET_HEADER));
      if (refused) return answer(res, refused.status, fail('NOT_ALLOWED', refused.reason));
      if (req.method !== 'POST')
        return answer(res, 405, fail('INVALID_REQUEST', 'Calls are POSTed.'));
      if (!sameOrigin(req)) {
        return answer(
          res,
          403,
          fail('INVALID_REQUEST', "Calls come from the shell's own origin only."),
        );
      }
      if (!/^application\/json(;|$)/u.test(req.headers['content-type'] ?? '')) {
        return answer(res, 415, fail('INVALID_REQUEST', 'A call is sent as application/json.'));
      }
      const body = await readBody(req, MAX_BODY_BYTES);
      if (body === undefined) {
        return answer(
          res,
          413,
          fail('MESSAGE_TOO_LARGE', `A call is at most ${MAX_BODY_BYTES} bytes.`),
        );
      }
      let raw: unknown;
      try {
        raw = JSON.parse(body);
      } catch {
        return answer(res, 400, fail('PARSE_ERROR', 'The call is not valid JSON.'));
      }
      const call = parseShellCall(raw);
      if (!call.ok) return answer(res, 400, { ok: false, error: call.error });
      const admin = admins.find(header(req, ADMIN_HEADER));
      try {
        if (call.method === 'session.login') {
          // A new login replaces this tab's previous admin session, whatever its outcome.
          if (admin) admins.drop(admin);
          const opened = await admins.login(call.params as Params<'session.login'>);
          res.setHeader(ADMIN_HEADER, opened.id);
          return answer(res, 200, { ok: true, result: opened.result });
        }
        // Without an open admin session, admin methods go to the user's connection, where the
        // daemon refuses them (NOT_ALLOWED): the host widens nothing.
        // (params were validated against the method's schema by parseShellCall)
        const method: ShellMethod = call.method;
        const params = call.params as Params<ShellMethod> as never;
        const result =
          admin && isAdminShellMethod(method)
            ? await admins.call(admin, method, params)
            : await daemon.call(method, params);
        if (admin && call.method === 'session.logout') admins.drop(admin);
        return answer(res, 200, { ok: true, result });
      } catch (err) {
        const e =
          err instanceof CloisonError
            ? err
            : new CloisonError('INTERNAL', 'The daemon call failed.');
        return answer(res, 200, fail(e.code, e.message));
      }
    }

    if (req.method !== 'GET') return send(res, 405, 'text/plain', 'Only GET here.');
    const name = url.pathname === '/' ? 'index.html' : url.pathname.replace(/^\/assets\//u, '');
    const file =
      url.pathname === '/' || url.pathname.startsWith('/assets/') ? files.get(name) : undefined;
    if (!file) return send(res, 404, 'text/plain', 'Not found.');
    res.writeHead(200, {
      'content-type': TYPES[extname(name)] ?? 'application/octet-stream',
      ...securityHeaders(origin),
    });
    res.end(file);
  }

  // WebSockets: the same checks, plus the Origin (browsers send it on every upgrade).
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4 * 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', origin);
    // A browser's WebSocket sets no header of its own: the secret comes in the query.
    const refused =
      refusal(req, url.searchParams.get('session') ?? undefined) ??
      (sameOrigin(req) ? undefined : { status: 403, reason: 'origin' });
    const vnc = /^\/vnc\/([^/]+)$/u.exec(url.pathname);
    const route =
      url.pathname === '/events'
        ? 'events'
        : url.pathname === '/admin-events'
          ? 'admin-events'
          : vnc
            ? 'vnc'
            : undefined;
    const admin =
      route === 'admin-events'
        ? admins.find(url.searchParams.get('admin') ?? undefined)
        : undefined;
    if (route === 'admin-events' && !admin) {
      socket.end('HTTP/1.1 403 Refused\r\nconnection: close\r\n\r\n');
      return;
    }
    if (refused || !route) {
      socket.end(`HTTP/1.1 ${refused?.status ?? 404} Refused\r\nconnection: close\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (route === 'events') {
        eventSockets.add(ws);
        ws.on('close', () => eventSockets.delete(ws));
        ws.on('message', () => ws.close(1008, 'The events socket only speaks.'));
      } else if (route === 'admin-events') {
        // The session may have closed during the upgrade: then the socket closes at once.
        if (!admins.attach(admin!, ws)) ws.close(1000, 'The administration session closed.');
        ws.on('message', () => ws.close(1008, 'The events socket only speaks.'));
      } else {
        let level: string;
        try {
          level = decodeURIComponent(vnc![1]!);
        } catch {
          // A malformed escape is a bad name, not a reason for the host to fall over.
          return ws.close(1008, 'No such level.');
        }
        void bridgeVnc(ws, level);
      }
    });
  });

  /**
   * WebSocket ↔ the level's VNC Unix socket. The socket's path comes from the daemon, never from
   * the page. One bridge per view: a second tab's view leaves the first one's working.
   */
  async function bridgeVnc(ws: WebSocket, levelRaw: string): Promise<void> {
    const level = Id.safeParse(levelRaw);
    if (!level.success) return ws.close(1008, 'No such level.');
    let path: string | undefined;
    try {
      const status = await daemon.call('levels.status', { level: level.data });
      path = status.levels[0]?.display?.vncSocket;
    } catch (err) {
      return ws.close(
        1011,
        (err instanceof Error ? err.message : 'levels.status failed').slice(0, 120),
      );
    }
    if (!path) return ws.close(1011, 'That level is not running.');
    const unix = netConnect(path);
    const bridge = { ws, unix };
    vncBridges.add(bridge);
    unix.on('data', (d) => ws.readyState === ws.OPEN && ws.send(d));
    unix.on('close', () => ws.close(1000, 'The level display closed.'));
    unix.on('error', () => ws.close(1011, 'The level display is unreachable.'));
    ws.on('message', (d: Buffer) => unix.write(d));
    ws.on('close', () => {
      unix.destroy();
      vncBridges.delete(bridge);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Loopback only: this host is for the person at this machine.
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  hostHeader = `127.0.0.1:${port}`;
  await daemon.connect();
  log(`host: serving the shell on ${origin}`);

  return {
    origin,
    openingUrl: newOpeningUrl(),
    newOpeningUrl,
    async close() {
      for (const ws of eventSockets) ws.terminate();
      admins.closeAll();
      for (const { ws } of vncBridges) ws.terminate();
      wss.close();
      daemon.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function securityHeaders(origin: string): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicy(origin),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), clipboard-read=()',
    'cache-control': 'no-store',
  };
}

function sameSecret(given: string | undefined, secret: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** One request header's value (a repeated header is no value). */
function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** The shell's page with the tab's secret in a meta element (base64url: nothing to escape). */
function withSecret(index: Buffer, secret: string): Buffer {
  const meta = `<meta name="${SECRET_META}" content="${secret}" />`;
  return Buffer.from(index.toString('utf8').replace('<head>', `<head>\n    ${meta}`));
}

function fail(code: ErrorCode, message: string): ShellAnswer {
  return { ok: false, error: { code, message } };
}

function answer(res: ServerResponse, status: number, body: ShellAnswer): void {
  send(res, status, 'application/json', JSON.stringify(body));
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}

/**
 * The body, or undefined when it is over `max`: the rest is read and dropped (up to a hard limit,
 * then the connection is cut) so that the 413 answer reaches the client.
 */
function readBody(req: IncomingMessage, max: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 16 * max) req.destroy();
      else if (size <= max) chunks.push(c);
    });
    req.on('end', () => resolve(size > max ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The renderer's files, read once: the host serves these names and nothing else. */
async function loadRenderer(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    throw new CloisonError(
      'INTERNAL',
      `The renderer is not built in ${dir}: run \`npm run build\`.`,
    );
  }
  for (const name of names) {
    if (name in TYPES || TYPES[extname(name)]) files.set(name, await readFile(join(dir, name)));
  }
  if (!files.has('index.html'))
    throw new CloisonError(
      'INTERNAL',
      `The renderer in ${dir} has no index.html: run \`npm run build\`.`,
    );
  return files;
}

/** How often the host tries a daemon that went away (restarted by its service manager). */
const RECONNECT_MS = 500;

/**
 * The host's connection to the daemon's user socket, re-opened when it drops: at once when the
 * daemon comes back (the page is told, as `shell.daemon` events, so that it shows the same levels
 * again), not only at the next call. Subscribed to events, which are validated against the
 * contract before they go to the page.
 */
class DaemonLink {
  private client: DaemonClient | undefined;
  private connecting: Promise<DaemonClient> | undefined;
  private readonly listeners = new Set<(event: Event) => void>();
  private retry: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly socket: string,
    private readonly actor: string,
    private readonly log: (line: string) => void,
  ) {}

  async connect(): Promise<DaemonClient> {
    if (this.client) return this.client;
    this.connecting ??= (async () => {
      try {
        const client = await DaemonClient.connect(this.socket);
        await client.call('session.hello', {
          actor: this.actor,
          client: 'cloison-shell (browser host)',
        });
        await client.call('events.subscribe', {});
        client.onEvent((raw) => {
          const event = Event.safeParse(raw);
          if (event.success) this.tell(event.data);
          else this.log('host: dropped a daemon event that does not match the contract');
        });
        client.onClose((reason) => this.lost(client, reason));
        this.client = client;
        return client;
      } finally {
        this.connecting = undefined;
      }
    })();
    return this.connecting;
  }

  async call<M extends ShellMethod>(method: M, params: Params<M>) {
    const client = await this.connect();
    try {
      return await client.call(method, params);
    } catch (err) {
      if (err instanceof CloisonError && err.details.unreachable) this.client = undefined;
      throw err;
    }
  }

  onEvent(listener: (event: Event) => void): void {
    this.listeners.add(listener);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retry);
    this.client?.close();
  }

  private tell(event: Event): void {
    for (const l of this.listeners) l(event);
  }

  /** The daemon went away: the page is told, and the host tries again until it is back. */
  private lost(client: DaemonClient, reason: string): void {
    if (this.closed || this.client !== client) return;
    this.client = undefined;
    this.log(`host: lost the daemon (${reason}); reconnecting`);
    this.tell({ type: 'shell.daemon', connected: false, message: reason });
    const attempt = () => {
      if (this.closed) return;
      this.connect().then(
        () => {
          this.log('host: reconnected to the daemon');
          this.tell({ type: 'shell.daemon', connected: true, message: 'reconnected' });
        },
        () => {
          this.retry = setTimeout(attempt, RECONNECT_MS);
          this.retry.unref();
        },
      );
    };
    attempt();
  }
}
