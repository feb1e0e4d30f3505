// How the CLI speaks: human sentences by default, JSON for scripts, and exit codes scripts can rely
// on (listed in the README and in `cloison --help`).
import { CloisonError } from '../contract/errors.js';
import type { Transfer } from '../contract/methods.js';

export const exitCodes = {
  ok: 0,
  error: 1,
  usage: 2,
  denied: 3,
  waiting: 4,
  unreachable: 5,
  checkFailed: 6,
  auditUnavailable: 7,
} as const;

export class UsageError extends Error {}

export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError) return exitCodes.usage;
  if (err instanceof CloisonError) {
    if (err.details.unreachable) return exitCodes.unreachable;
    switch (err.code) {
      case 'DENIED_BY_RULE':
        return exitCodes.denied;
      case 'AUDIT_UNAVAILABLE':
        return exitCodes.auditUnavailable;
      case 'INVALID_CONFIG':
      case 'AUDIT_BROKEN':
        return exitCodes.checkFailed;
      case 'INVALID_PARAMS':
        return exitCodes.usage;
      default:
        return exitCodes.error;
    }
  }
  return exitCodes.error;
}

export function describeTransfer(t: Transfer): string {
  const lines = [
    `${t.id}: ${t.kind} ${t.from} → ${t.to}: ${t.status}` +
      (t.expiresAt && t.status.startsWith('waiting') ? ` (until ${t.expiresAt})` : ''),
    `  rule ${t.decision.ruleId}: ${t.decision.action} — ${t.decision.reason}`,
  ];
  for (const item of t.items) {
    const name = item.name ? `${item.name} ` : '';
    let line = `  ${name}${item.type}, ${item.size} bytes, sha256 ${item.sha256.slice(0, 16)}…`;
    if (item.sanitised)
      line += `, sanitised by ${item.sanitised.sanitiser} → ${item.sanitised.size} bytes`;
    if (item.deliveredAs) line += `, delivered as ${item.deliveredAs}`;
    lines.push(line);
    if (item.typeMismatch) lines.push(`    note: ${item.typeMismatch}`);
    if (item.renamed) lines.push(`    renamed: ${item.renamed}`);
  }
  if (t.outcome) lines.push(`  outcome: ${t.outcome}`);
  if (t.status === 'waiting-for-user')
    lines.push(`  confirm with: cloison transfers confirm ${t.id}`);
  if (t.status === 'waiting-for-approval')
    lines.push(`  an administrator decides with: cloison approvals approve ${t.id} --reason …`);
  return lines.join('\n');
}

export function exitCodeForTransfer(t: Transfer): number {
  if (t.status === 'delivered') return exitCodes.ok;
  if (t.status === 'waiting-for-user' || t.status === 'waiting-for-approval')
    return exitCodes.waiting;
  return exitCodes.error;
}
