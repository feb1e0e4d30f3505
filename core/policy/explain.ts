// The text of `cloison policy explain`: which rule decides a transfer, what it says, where it was
// written, and why the rules before it did not match. Pure; reading it decides nothing.
import type { Config, Rule } from '../contract/config.js';
import { decide, matchRule, type DecideResult, type TransferRequest } from './decide.js';

export type RuleOrigins = ReadonlyMap<string, { file: string; line: number }>;

/** The decision for `request`, explained in lines a person reads top to bottom. */
export function explain(config: Config, request: TransferRequest, origins?: RuleOrigins): string {
  const result = decide(config, request);
  return explainResult(config, request, result, origins);
}

export function explainResult(
  config: Config,
  request: TransferRequest,
  result: DecideResult,
  origins?: RuleOrigins,
): string {
  const { decision, rule } = result;
  const lines = [
    `${request.kind} from ${request.from} to ${request.to}, ${request.type}, ${request.size} bytes`,
    `decision: ${decision.action} (rule ${decision.ruleId})`,
    `why: ${decision.reason}`,
  ];
  if (rule !== undefined) lines.push('', ...describeRule(rule, origins));
  const from = config.levels.find((l) => l.id === request.from);
  const to = config.levels.find((l) => l.id === request.to);
  if (from !== undefined && to !== undefined && from.id !== to.id) {
    const before =
      rule === undefined ? config.rules : config.rules.slice(0, config.rules.indexOf(rule));
    if (before.length > 0) {
      lines.push('', rule === undefined ? 'no rule matched:' : 'earlier rules that did not match:');
      for (const skipped of before) {
        const match = matchRule(skipped, request, from, to);
        if (!match.matches)
          lines.push(`  ${skipped.id}${where(skipped.id, origins)}: ${match.why}`);
      }
    }
  }
  return lines.join('\n');
}

function where(ruleId: string, origins?: RuleOrigins): string {
  const origin = origins?.get(ruleId);
  return origin === undefined ? '' : ` (${origin.file}:${origin.line})`;
}

function describeRule(rule: Rule, origins?: RuleOrigins): string[] {
  const lines = [`rule ${rule.id}${where(rule.id, origins)}`];
  if (rule.description !== undefined) lines.push(`  description: ${rule.description}`);
  lines.push(
    `  kind: ${rule.kind}`,
    `  from: ${rule.from}`,
    `  to: ${rule.to}`,
    `  types: ${rule.types.join(', ')}`,
    `  maxBytes: ${rule.maxBytes === undefined ? 'no limit' : rule.maxBytes}`,
    `  action: ${rule.action}`,
  );
  if (rule.sanitise !== undefined) lines.push(`  sanitise: ${rule.sanitise}`);
  return lines;
}
