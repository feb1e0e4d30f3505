// Transfers that were waiting (for a user's confirmation or an administrator's approval) when the
// daemon stopped: they are held in memory only, so they are gone; each gets its closing entry in the
// audit log at the next start, so that the trail never leaves a request open.
import { tailAudit, type AuditLog } from '../audit/index.js';
import type { AuditEntry } from '../contract/methods.js';

const OPEN = 'transfer.pending';

/**
 * The transfers whose last entry since the previous daemon start is `transfer.pending`. Reads back
 * from the end of the log only as far as that start (earlier ones were closed by it).
 */
export async function openTransfers(auditDir: string): Promise<AuditEntry[]> {
  for (let count = 1000; ; count *= 4) {
    const entries = await tailAudit(auditDir, count);
    const start = entries.findLastIndex((e) => e.event === 'daemon.started');
    if (start < 0 && entries.length === count && count < 4_000_000) continue;
    const last = new Map<string, AuditEntry>();
    for (const entry of entries.slice(start + 1)) {
      const id = entry['transfer'];
      if (typeof id === 'string') last.set(id, entry);
    }
    return [...last.values()].filter((e) => e.event === OPEN);
  }
}

/** Appends the closing entry of each transfer a stop left waiting. */
export async function closeAbandoned(audit: AuditLog, auditDir: string): Promise<number> {
  const open = await openTransfers(auditDir);
  for (const entry of open) {
    const {
      seq: _seq,
      time: _time,
      prev: _prev,
      hash: _hash,
      actor: _actor,
      event: _event,
      ...fields
    } = entry;
    await audit.append({
      ...fields,
      actor: 'cloisond',
      event: 'transfer.abandoned',
      status: 'cancelled',
      outcome: 'the daemon stopped while the transfer waited; nothing crossed, ask again',
      pendingSince: entry.time,
    });
  }
  return open.length;
}
