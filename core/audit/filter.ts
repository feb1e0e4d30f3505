// Which audit entries an administrator or auditor is looking for: by time (read.ts), level, kind,
// decision, rule, actor and event. Pure; the audit viewer and `cloison audit search` share it.
import type { AuditEntry } from '../contract/methods.js';

export interface AuditFilter {
  /** The level an entry is about: its source, its target, or the level it names. */
  level?: string;
  kind?: string;
  decision?: string;
  /** The rule that decided the transfer or one of its items. */
  rule?: string;
  /** Part of the actor, in any case: `alice` finds `alice [admin] (user-3)`. */
  actor?: string;
  /** An event or a family of them: `transfer` finds `transfer.delivered`. */
  event?: string;
}

export function matchesFilter(entry: AuditEntry, filter: AuditFilter): boolean {
  const field = (name: string) => {
    const value = entry[name];
    return typeof value === 'string' ? value : undefined;
  };
  if (filter.level !== undefined) {
    const levels = [field('from'), field('to'), field('level')];
    if (!levels.includes(filter.level)) return false;
  }
  if (filter.kind !== undefined && field('kind') !== filter.kind) return false;
  if (filter.decision !== undefined && field('decision') !== filter.decision) return false;
  if (filter.rule !== undefined) {
    const items = Array.isArray(entry['items']) ? (entry['items'] as { rule?: unknown }[]) : [];
    if (field('rule') !== filter.rule && !items.some((i) => i?.rule === filter.rule)) return false;
  }
  if (filter.actor !== undefined && !entry.actor.toLowerCase().includes(filter.actor.toLowerCase()))
    return false;
  if (
    filter.event !== undefined &&
    entry.event !== filter.event &&
    !entry.event.startsWith(`${filter.event}.`)
  )
    return false;
  return true;
}
