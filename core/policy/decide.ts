// Decides one transfer against the rules: the first matching rule wins, no match denies, and every
// decision carries the deciding rule's id and a sentence a person can read. Pure, no I/O: the
// broker calls it between inspecting content (its real type and size) and delivering it.
import type { Config, Level, Rule, TransferKind } from '../contract/config.js';
import type { Decision } from '../contract/methods.js';
import { mimeMatches } from '../inspect/types.js';

/** One item of a transfer as the broker measured it: `type` is the type detected from the bytes. */
export interface TransferRequest {
  kind: TransferKind;
  from: string;
  to: string;
  type: string;
  size: number;
}

export interface DecideResult {
  decision: Decision;
  /** The rule that decided; absent for the built-in denials below. */
  rule?: Rule;
}

/** Rule ids of the built-in denials; the configuration loader refuses rules that take them. */
export const DEFAULT_DENY = 'default-deny';
export const SAME_LEVEL = 'same-level';
export const NO_SUCH_LEVEL = 'no-such-level';
export const reservedRuleIds: readonly string[] = [DEFAULT_DENY, SAME_LEVEL, NO_SUCH_LEVEL];

export type RuleMatch = { matches: true } | { matches: false; why: string };

/**
 * Whether the rule's kind, `from` and `to` take a transfer between these two levels. `up` and
 * `down` compare ranks strictly: between two levels of equal rank neither matches.
 */
export function placeMatches(rule: Rule, kind: TransferKind, from: Level, to: Level): RuleMatch {
  if (rule.kind !== kind) return { matches: false, why: `its kind is ${rule.kind}, not ${kind}` };
  if (rule.from !== '*' && rule.from !== from.id) {
    return { matches: false, why: `it is for transfers from ${rule.from}, not from ${from.id}` };
  }
  switch (rule.to) {
    case '*':
      return { matches: true };
    case 'up':
      return to.rank > from.rank
        ? { matches: true }
        : {
            matches: false,
            why: `it goes up, and ${to.id} (rank ${to.rank}) is not above ${from.id} (rank ${from.rank})`,
          };
    case 'down':
      return to.rank < from.rank
        ? { matches: true }
        : {
            matches: false,
            why: `it goes down, and ${to.id} (rank ${to.rank}) is not below ${from.id} (rank ${from.rank})`,
          };
    default:
      return rule.to === to.id
        ? { matches: true }
        : { matches: false, why: `it is for transfers to ${rule.to}, not to ${to.id}` };
  }
}

/** Whether the rule matches the request; size is not part of matching (see `decide`). */
export function matchRule(rule: Rule, request: TransferRequest, from: Level, to: Level): RuleMatch {
  const place = placeMatches(rule, request.kind, from, to);
  if (!place.matches) return place;
  if (!rule.types.some((pattern) => mimeMatches(pattern, request.type))) {
    return {
      matches: false,
      why: `its types (${rule.types.join(', ')}) do not include ${request.type}`,
    };
  }
  return { matches: true };
}

const verbs: Record<Rule['action'], (what: string) => string> = {
  allow: (what) => `allows ${what}`,
  deny: (what) => `denies ${what}`,
  ask: (what) => `allows ${what} once the user confirms`,
  approve: (what) => `allows ${what} once an administrator approves`,
};

/**
 * The decision for one transfer item. First match wins. A matching rule whose `maxBytes` the item
 * exceeds denies it under that rule's id: content over a rule's size is refused whole, and a size
 * cap cannot be bypassed by a later, looser rule. A transfer within one level, or naming a level
 * that does not exist, is denied without looking at the rules (ids `same-level`, `no-such-level`).
 */
export function decide(config: Config, request: TransferRequest): DecideResult {
  const what = `${request.kind} from ${request.from} to ${request.to} for ${request.type}`;
  const from = config.levels.find((level) => level.id === request.from);
  const to = config.levels.find((level) => level.id === request.to);
  if (from === undefined || to === undefined) {
    const missing = from === undefined ? request.from : request.to;
    return deny(
      NO_SUCH_LEVEL,
      `no level is named "${missing}", so nothing can cross to or from it`,
    );
  }
  if (from.id === to.id) {
    return deny(
      SAME_LEVEL,
      `${from.id} to ${to.id} is not a transfer: content stays within its level without the broker`,
    );
  }
  if (!Number.isSafeInteger(request.size) || request.size < 0) {
    return deny(
      DEFAULT_DENY,
      `${String(request.size)} is not a size in bytes, so ${what} is denied`,
    );
  }
  for (const rule of config.rules) {
    if (!matchRule(rule, request, from, to).matches) continue;
    if (rule.action !== 'deny' && rule.maxBytes !== undefined && request.size > rule.maxBytes) {
      return {
        decision: {
          action: 'deny',
          ruleId: rule.id,
          reason: `${request.size} bytes is over the ${rule.maxBytes}-byte limit of rule ${rule.id}`,
        },
        rule,
      };
    }
    const sanitised = rule.sanitise === undefined ? '' : `, sanitised by ${rule.sanitise}`;
    return {
      decision: {
        action: rule.action,
        ruleId: rule.id,
        reason: `rule ${rule.id} ${verbs[rule.action](what)}${rule.action === 'deny' ? '' : sanitised}`,
      },
      rule,
    };
  }
  return deny(DEFAULT_DENY, `no rule allows ${what}`);
}

function deny(ruleId: string, reason: string): DecideResult {
  return { decision: { action: 'deny', ruleId, reason } };
}
