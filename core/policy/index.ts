// The policy engine: rules are data, the first match wins, no match denies. Pure decision code
// between the broker's inspection of content and its delivery; no I/O.
export {
  decide,
  matchRule,
  placeMatches,
  reservedRuleIds,
  DEFAULT_DENY,
  NO_SUCH_LEVEL,
  SAME_LEVEL,
  type DecideResult,
  type RuleMatch,
  type TransferRequest,
} from './decide.js';
export { explain, explainResult, type RuleOrigins } from './explain.js';
export { patternCovers, unreachableRules, type UnreachableRule } from './unreachable.js';
