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
  /** Interrupted (Ctrl+C): the transfer was cancelled, or the command left. */
  interrupted: 130,
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
      case 'CANCELLED':
        return exitCodes.interrupted;
      default:
        return exitCodes.error;
    }
  }
  return exitCodes.error;
}

// Control, format (bidi, zero-width) and line-separator characters, and unpaired surrogates.
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

/**
 * Text from the daemon made safe for a terminal: what a level chose (file names, types, messages
 * quoting them) or an actor typed could otherwise move the cursor, erase a line or reorder what an
 * administrator reads. Such characters are shown as `\u{…}` escapes, as `shown()` does for names.
 * Human output only; JSON keeps the text as it is.
 */
export function printable(text: unknown): string {
  return String(text).replace(UNPRINTABLE, (ch) => `\\u{${ch.codePointAt(0)!.toString(16)}}`);
}

/** "1 rule", "2 rules", "0 rules". */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function describeTransfer(t: Transfer): string {
  const p = printable;
  const lines = [
    `${p(t.id)}: ${t.kind} ${p(t.from)} → ${p(t.to)}: ${t.status}` +
      (t.expiresAt && t.status.startsWith('waiting') ? ` (until ${p(t.expiresAt)})` : ''),
    `  rule ${p(t.decision.ruleId)}: ${t.decision.action} — ${p(t.decision.reason)}`,
  ];
  for (const item of t.items) {
    const name = item.name ? `${p(item.name)} ` : '';
    let line = `  ${name}${p(item.type)}, ${count(item.size, 'byte')}, sha256 ${p(item.sha256.slice(0, 16))}…`;
    if (item.sanitised)
      line += `, sanitised by ${p(item.sanitised.sanitiser)} → ${count(item.sanitised.size, 'byte')}`;
    if (item.deliveredAs) line += `, delivered as ${p(item.deliveredAs)}`;
    lines.push(line);
    if (item.typeMismatch) lines.push(`    note: ${p(item.typeMismatch)}`);
    if (item.renamed) lines.push(`    renamed: ${p(item.renamed)}`);
  }
  if (t.outcome) lines.push(`  outcome: ${p(t.outcome)}`);
  if (t.status === 'waiting-for-user')
    lines.push(`  confirm with: cloison transfers confirm ${p(t.id)}`);
  if (t.status === 'waiting-for-approval')
    lines.push(`  an administrator decides with: cloison approvals approve ${p(t.id)} --reason …`);
  return lines.join('\n');
}

export function exitCodeForTransfer(t: Transfer): number {
  if (t.status === 'delivered') return exitCodes.ok;
  if (t.status === 'waiting-for-user' || t.status === 'waiting-for-approval')
    return exitCodes.waiting;
  return exitCodes.error;
}
