// Receives one JSON-RPC message as text and turns it into exactly one response: parse, check the
// envelope, check that this socket's role serves the method, validate the params against the
// contract, call the handler, and code every failure. Nothing here trusts the peer.
import type { Peer } from '../transport/peer.js';
import type { z } from 'zod';
import { CloisonError, rpcNumber, type ErrorCode } from '../contract/errors.js';
import {
  isMethodName,
  methods,
  type MethodName,
  type Result,
  type Role,
  type SocketRole,
} from '../contract/methods.js';
import type { Login } from '../admin/logins.js';
import { Request } from '../contract/rpc.js';

export interface Session {
  /** Unique per connection: `user-3`, `admin-7`. */
  readonly id: string;
  /** The socket's role: who could open the socket. */
  readonly role: SocketRole;
  /** An administrator's or auditor's session opened on this connection (session.login). */
  login?: Login;
  /** Called before each call a login serves: keeps it open (see the idle timer in service.ts). */
  touch?: () => void;
  /** Who the peer says it is (session.hello); recorded in the audit log next to the session id. */
  actor: string;
  /**
   * Who the peer is, as the kernel says (SO_PEERCRED): known before any of its calls is served;
   * undefined when it could not be read, and then it matches no other session.
   */
  peer?: Peer;
  /** Pushes an event notification to this connection. */
  notify(event: unknown): void;
  subscribed: boolean;
  /** Ends the connection (daemon shutdown). */
  close(): void;
}

export type Handler<M extends MethodName> = (
  params: z.output<(typeof methods)[M]['params']>,
  session: Session,
) => Promise<Result<M>> | Result<M>;

export type Handlers = { [M in MethodName]: Handler<M> };

export interface ErrorResponse {
  jsonrpc: '2.0';
  id: string | number | null;
  error: { code: number; message: string; data: { code: ErrorCode } & Record<string, unknown> };
}
export interface ResultResponse {
  jsonrpc: '2.0';
  id: string | number;
  result: unknown;
}

export function errorResponse(
  id: string | number | null,
  code: ErrorCode,
  message: string,
  details: Record<string, unknown> = {},
): ErrorResponse {
  return {
    jsonrpc: '2.0',
    id,
    error: { code: rpcNumber[code], message, data: { ...details, code } },
  };
}

/** A readable one-line summary of zod issues: `items[0].data: Invalid base64`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? formatPath(i.path) + ': ' : ''}${i.message}`)
    .join('; ');
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, n) => (typeof p === 'number' ? `[${p}]` : `${n ? '.' : ''}${String(p)}`))
    .join('');
}

export async function dispatch(
  text: string,
  session: Session,
  handlers: Handlers,
  log: (line: string) => void,
): Promise<ErrorResponse | ResultResponse> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return errorResponse(null, 'PARSE_ERROR', 'The message is not valid JSON.');
  }
  const envelope = Request.safeParse(raw);
  if (!envelope.success) {
    const id = idOf(raw);
    return errorResponse(
      id,
      'INVALID_REQUEST',
      `The message is not a JSON-RPC 2.0 request with an id: ${describeIssues(envelope.error)}.`,
    );
  }
  const { id, method } = envelope.data;
  if (!isMethodName(method)) {
    return errorResponse(id, 'UNKNOWN_METHOD', `There is no method named "${method}".`);
  }
  const spec = methods[method];
  const refusal = refuse(method, session);
  if (refusal) return errorResponse(id, refusal.code, refusal.message, refusal.details);
  if (session.login && !(spec.roles as readonly Role[]).includes(session.role)) session.touch?.();
  const params = spec.params.safeParse(envelope.data.params ?? {});
  if (!params.success) {
    return errorResponse(
      id,
      'INVALID_PARAMS',
      `Invalid parameters for "${method}": ${describeIssues(params.error)}.`,
      {
        issues: params.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })),
      },
    );
  }
  try {
    const handler = handlers[method] as Handler<typeof method>;
    const result = await handler(params.data as never, session);
    return { jsonrpc: '2.0', id, result };
  } catch (err) {
    if (err instanceof CloisonError) return errorResponse(id, err.code, err.message, err.details);
    log(
      `internal error in ${method}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    );
    return errorResponse(
      id,
      'INTERNAL',
      `The daemon failed while handling "${method}"; see its log.`,
    );
  }
}

/**
 * Why `session` may not call `method`, if it may not: the socket's role or the login's must be
 * among the method's, and an admin-socket-only method wants the admin socket itself.
 */
function refuse(
  method: MethodName,
  session: Session,
): { code: ErrorCode; message: string; details: Record<string, unknown> } | undefined {
  const spec = methods[method];
  const roles = spec.roles as readonly Role[];
  const details = { method, roles };
  if (spec.adminSocketOnly && session.role !== 'admin') {
    return {
      code: 'WRONG_SOCKET',
      message: `"${method}" is served on the admin socket only (it reaches into a level's data, which a session opened from the shell may not).`,
      details,
    };
  }
  if (roles.includes(session.role) || (session.login && roles.includes(session.login.role)))
    return undefined;
  if (session.role === 'user' && (roles.includes('admin') || roles.includes('auditor'))) {
    const who = roles.includes('auditor')
      ? 'an administrator’s or an auditor’s'
      : 'an administrator’s';
    return {
      code: 'NOT_ALLOWED',
      message: session.login
        ? `"${method}" needs ${who} session; this one is ${session.login.role === 'admin' ? 'an administrator' : 'an auditor'}’s (${session.login.account}).`
        : `"${method}" needs ${who} session: open one first (session.login; in the CLI \`--login ACCOUNT\`), or use the admin socket.`,
      details,
    };
  }
  return {
    code: 'WRONG_SOCKET',
    message: `"${method}" is served on the ${roles.filter((r) => r !== 'auditor').join(' and ')} socket only, not on the ${session.role} socket.`,
    details,
  };
}

function idOf(raw: unknown): string | number | null {
  if (raw && typeof raw === 'object' && 'id' in raw) {
    const id = (raw as { id: unknown }).id;
    if (typeof id === 'string' && id.length <= 128) return id;
    if (typeof id === 'number' && Number.isInteger(id)) return id;
  }
  return null;
}
