// The steps every transfer shares, whatever its kind: find the two levels, combine the items'
// decisions, and shape what the audit log records (metadata only, never the content).
import { createHash } from 'node:crypto';
import type { Config, Level } from '../contract/config.js';
import { CloisonError } from '../contract/errors.js';
import type { Decision, Transfer } from '../contract/methods.js';
import { shown } from '../files/names.js';

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Both levels must exist and differ: a transfer inside a level is not the broker's business. */
export function resolveLevels(
  config: Config,
  from: string,
  to: string,
): { from: Level; to: Level } {
  const find = (id: string, role: string): Level => {
    const level = config.levels.find((l) => l.id === id);
    if (!level) {
      const known = config.levels.map((l) => l.id).join(', ');
      throw new CloisonError(
        'NO_SUCH_LEVEL',
        `There is no level "${id}" (${role}); levels are: ${known}.`,
        {
          level: id,
        },
      );
    }
    return level;
  };
  const source = find(from, 'source');
  const target = find(to, 'target');
  if (source.id === target.id) {
    throw new CloisonError(
      'SAME_LEVEL',
      `The source and the target are both "${from}": nothing crosses.`,
    );
  }
  return { from: source, to: target };
}

const strictness: Record<Decision['action'], number> = { allow: 0, ask: 1, approve: 2, deny: 3 };

/**
 * A transfer is all-or-nothing, so its decision is its strictest item's: one denied item denies the
 * whole request, one item reserved for an administrator sends the whole request to approval.
 */
export function strictest(items: readonly { decision: Decision }[]): Decision {
  let worst: Decision | undefined;
  for (const item of items) {
    if (!worst || strictness[item.decision.action] > strictness[worst.action])
      worst = item.decision;
  }
  if (!worst) throw new Error('a transfer has at least one item');
  return worst;
}

/** What one audit entry says about a transfer: who, what, which rule, which outcome; no content. */
export function auditRecord(
  transfer: Transfer,
  event: string,
  actor: string,
  extra: Record<string, unknown> = {},
) {
  return {
    actor,
    event,
    transfer: transfer.id,
    kind: transfer.kind,
    from: transfer.from,
    to: transfer.to,
    requester: transfer.requester,
    status: transfer.status,
    rule: transfer.decision.ruleId,
    decision: transfer.decision.action,
    reason: transfer.decision.reason,
    items: transfer.items.map((i) => ({
      name: i.name,
      declaredType: i.declaredType,
      type: i.type,
      size: i.size,
      sha256: i.sha256,
      typeMismatch: i.typeMismatch,
      rule: i.decision.ruleId,
      sanitised: i.sanitised,
      deliveredAs: i.deliveredAs,
      renamed: i.renamed,
      quarantinedAs: i.quarantinedAs,
    })),
    ...(transfer.justification ? { justification: transfer.justification } : {}),
    ...(transfer.outcome ? { outcome: transfer.outcome } : {}),
    ...extra,
  };
}

/**
 * The error a denied transfer answers with: which item the rules refused and why, the rule's
 * reason, and the transfer's record. One denied file refuses the whole request, and says so.
 */
export function deniedError(transfer: Transfer): CloisonError {
  const denied = transfer.items.find((i) => i.decision.action === 'deny') ?? transfer.items[0];
  const what = denied?.name
    ? `${shown(denied.name)} (${denied.type})`
    : `${denied?.type ?? 'content'}`;
  return new CloisonError(
    'DENIED_BY_RULE',
    `Denied: ${what} may not go from ${transfer.from} to ${transfer.to}. ${transfer.decision.reason}${wholeRequest(transfer.items.length)}`,
    { transfer, ...(denied?.name !== undefined ? { file: denied.name } : {}) },
  );
}

/** A request of several files is refused whole: said after the reason, so nobody looks for the others. */
function wholeRequest(count: number): string {
  return count > 1
    ? ` One refused file refuses the whole request: none of its ${count} files was sent.`
    : '';
}

/**
 * The error of one file refused while the request was delivered (its sanitiser refused it, it was
 * too large, it changed): the message and details name the file, whatever the cause said.
 */
export function refusedFile(err: unknown, name: string, count: number): CloisonError {
  const error =
    err instanceof CloisonError
      ? err
      : new CloisonError('SANITISER_FAILED', `The transfer failed: ${String(err)}.`);
  const by = typeof error.details.sanitiser === 'string' ? ` by ${error.details.sanitiser}` : '';
  // Errors from the delivery itself already open with the file's name.
  const message = error.message.startsWith(shown(name))
    ? error.message
    : `${shown(name)} was refused${by}: ${error.message}`;
  return new CloisonError(error.code, `${message}${wholeRequest(count)}`, {
    ...error.details,
    file: name,
  });
}

/**
 * The first file under a sanitiser's rule that is over the sanitiser's byte limit, as the error
 * that refuses its request (undefined: none is). Decided on the sizes the inspection measured,
 * before anything is read whole or copied.
 */
export function oversized(
  files: readonly { report: { name?: string; size: number }; sanitiser?: string }[],
  maxBytes: number,
): CloisonError | undefined {
  const file = files.find((f) => f.sanitiser !== undefined && f.report.size > maxBytes);
  if (!file) return undefined;
  return refusedFile(
    new CloisonError(
      'TOO_LARGE',
      `it is ${file.report.size} bytes, over the limit of ${maxBytes} bytes that sanitiser ${file.sanitiser} takes.`,
      { sanitiser: file.sanitiser, size: file.report.size, maxBytes },
    ),
    file.report.name ?? '',
    files.length,
  );
}
