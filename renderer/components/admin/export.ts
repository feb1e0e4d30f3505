// The audit viewer's exports: the filtered entries as JSON Lines (exactly as the daemon sent them)
// and as CSV in the CLI's own format (core/contract/audit-csv.ts: formula cells defused).
import type { AuditEntry } from '../../../core/contract/methods.js';

export { csvCell, toCsv } from '../../../core/contract/audit-csv.js';

export function toJsonLines(entries: readonly AuditEntry[]): string {
  return entries.map((e) => JSON.stringify(e)).join('\n') + (entries.length > 0 ? '\n' : '');
}
