// Receives one JSON-RPC message as text and turns it into exactly one response: parse, check the
// envelope, check that this socket's role serves the method, validate the params against the
// contract, call the handler, and code every failure. Nothing here trusts the peer.
import type { z } from 'zod';
import { CloisonError, rpcNumber, type ErrorCode } from '../contract/errors.js';
import {
  isMethodName,
  methods,
  type MethodName,
  type Result,
  type Role,
} from '../contract/methods.js';
import { Request } from '../contract/rpc.js';

export interface Session {
  /** Unique per connection: `user-3`, `admin-7`. */
  readonly id: string;
  readonly role: Role;
  /** Who the peer says it is (session.hello); recorded in the audit log next to the session id. */
  actor: string;
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
  if (!(spec.roles as readonly Role[]).includes(session.role)) {
    const served = spec.roles.join(' and ');
    return errorResponse(
      id,
      'WRONG_SOCKET',
      `"${method}" is served on the ${served} socket only, not on the ${session.role} socket.`,
      { method, servedOn: spec.roles },
    );
  }
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

function idOf(raw: unknown): string | number | null {
  if (raw && typeof raw === 'object' && 'id' in raw) {
    const id = (raw as { id: unknown }).id;
    if (typeof id === 'string' && id.length <= 128) return id;
    if (typeof id === 'number' && Number.isInteger(id)) return id;
  }
  return null;
}
