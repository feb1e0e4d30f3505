// The audit log: append-only, hash-chained record of every decision and administrative change,
// written by the broker daemon and checked from its files alone. Import it from here.
export { AuditLog } from './log.js';
export type { AuditFields, AuditLogOptions, AuditStatus, StatusListener } from './log.js';
export { verifyAudit } from './verify.js';
export type { Problem } from './verify.js';
export { readAudit, tailAudit } from './read.js';
export type { ReadOptions } from './read.js';
export { ZERO_HASH, canonicalJson, encodeEntry } from './canonical.js';
