// JSON-RPC 2.0 envelopes as they travel on the daemon's sockets: one JSON object per line.
import { z } from 'zod';
import { ErrorData } from './errors.js';

export const RequestId = z.union([z.string().max(128), z.int()]);

export const Request = z.strictObject({
  jsonrpc: z.literal('2.0'),
  id: RequestId,
  method: z.string().min(1).max(128),
  params: z.unknown().optional(),
});
export type Request = z.infer<typeof Request>;

export const ErrorObject = z.object({ code: z.int(), message: z.string(), data: ErrorData });

export const Response = z.union([
  z.strictObject({ jsonrpc: z.literal('2.0'), id: RequestId, result: z.unknown() }),
  z.strictObject({ jsonrpc: z.literal('2.0'), id: RequestId.nullable(), error: ErrorObject }),
]);
export type Response = z.infer<typeof Response>;

export const Notification = z.strictObject({
  jsonrpc: z.literal('2.0'),
  method: z.literal('event'),
  params: z.unknown(),
});
