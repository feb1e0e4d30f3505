// Coded errors of the daemon's API: each code names a problem, and each error carries a sentence a
// person can act on. Shared by the daemon, the CLI and the shell; no I/O.
import { z } from 'zod';

export const ErrorCode = z.enum([
  // Transport and protocol.
  'PARSE_ERROR',
  'INVALID_REQUEST',
  'MESSAGE_TOO_LARGE',
  'UNKNOWN_METHOD',
  'WRONG_SOCKET',
  'INVALID_PARAMS',
  'INTERNAL',
  // Levels, transfers, policy.
  'NO_SUCH_LEVEL',
  'SAME_LEVEL',
  'DENIED_BY_RULE',
  'TOO_LARGE',
  'BAD_CONTENT',
  'BAD_PATH',
  'UNSUPPORTED_FILE',
  'SANITISER_FAILED',
  'NO_SUCH_TRANSFER',
  'EXPIRED',
  'CANCELLED',
  'APPROVER_IS_REQUESTER',
  // Compartments and displays.
  'COMPARTMENT_UNAVAILABLE',
  'COMPARTMENT_FAILED',
  'DISPLAY_FAILED',
  'LEVEL_NOT_RUNNING',
  'NO_SUCH_APP',
  'APP_NOT_FOUND',
  'CLIPBOARD_EMPTY',
  // Administration.
  'NOT_ALLOWED',
  'LOGIN_FAILED',
  // Configuration and audit.
  'INVALID_CONFIG',
  'AUDIT_UNAVAILABLE',
  'AUDIT_BROKEN',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** JSON-RPC 2.0 numeric codes; the coded name travels in `error.data.code`. */
export const rpcNumber: Record<ErrorCode, number> = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  MESSAGE_TOO_LARGE: -32600,
  UNKNOWN_METHOD: -32601,
  WRONG_SOCKET: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL: -32603,
  NO_SUCH_LEVEL: -32001,
  SAME_LEVEL: -32002,
  DENIED_BY_RULE: -32003,
  TOO_LARGE: -32004,
  BAD_CONTENT: -32005,
  BAD_PATH: -32006,
  UNSUPPORTED_FILE: -32007,
  SANITISER_FAILED: -32008,
  NO_SUCH_TRANSFER: -32009,
  EXPIRED: -32010,
  APPROVER_IS_REQUESTER: -32011,
  CANCELLED: -32012,
  COMPARTMENT_UNAVAILABLE: -32040,
  COMPARTMENT_FAILED: -32041,
  DISPLAY_FAILED: -32042,
  LEVEL_NOT_RUNNING: -32043,
  NO_SUCH_APP: -32044,
  APP_NOT_FOUND: -32045,
  CLIPBOARD_EMPTY: -32046,
  NOT_ALLOWED: -32050,
  LOGIN_FAILED: -32051,
  INVALID_CONFIG: -32020,
  AUDIT_UNAVAILABLE: -32030,
  AUDIT_BROKEN: -32031,
};

export const ErrorData = z.object({ code: ErrorCode }).catchall(z.unknown());
export type ErrorData = z.infer<typeof ErrorData>;

/** An error that crosses the API: thrown in the daemon, rebuilt in clients. */
export class CloisonError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;
  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'CloisonError';
    this.code = code;
    this.details = details;
  }
}
