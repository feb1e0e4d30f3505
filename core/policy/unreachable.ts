// Finds rules that can never decide anything because earlier rules take every transfer they would
// take (first match wins). Pure analysis over the configuration, run when it is loaded; it warns,
// it never changes what `decide` does.
import type { Config, Rule } from '../contract/config.js';
import { placeMatches } from './decide.js';

export interface UnreachableRule {
  ruleId: string;
  /** The earlier rules that together take everything it matches; empty when it matches nothing. */
  shadowedBy: string[];
  message: string;
}

/**
 * Does pattern `outer` match every type `inner` matches? `*\/*` covers all, `text/*` covers
 * `text/*` and every `text/…`, an exact type covers only itself.
 */
export function patternCovers(outer: string, inner: string): boolean {
  const o = outer.toLowerCase();
  const i = inner.toLowerCase();
  if (o === '*/*' || o === i) return true;
  if (o.endsWith('/*') && i !== '*/*') return i.startsWith(o.slice(0, -1));
  return false;
}

/**
 * Rules that cannot match any transfer an earlier rule would not match first. Exact over the
 * configuration's levels: every ordered pair of distinct levels is tried, so `*`, `up`, `down`
 * and ids are compared through the ranks they resolve to. Types are compared as patterns (no list
 * of exact types is taken to cover a wildcard), so a warning is only given when it is certain.
 * Size limits do not enter: a rule whose limit is exceeded still matches, and denies.
 */
export function unreachableRules(config: Config): UnreachableRule[] {
  const pairs = config.levels.flatMap((from) =>
    config.levels.filter((to) => to.id !== from.id).map((to) => ({ from, to })),
  );
  const found: UnreachableRule[] = [];
  config.rules.forEach((rule, index) => {
    const earlier = config.rules.slice(0, index);
    const places = pairs.filter((p) => placeMatches(rule, rule.kind, p.from, p.to).matches);
    if (places.length === 0) {
      found.push({
        ruleId: rule.id,
        shadowedBy: [],
        message: `rule ${rule.id} can never match: ${noPlace(rule, config)}`,
      });
      return;
    }
    const covering = (candidate: Rule): boolean =>
      places.every((p) => placeMatches(candidate, rule.kind, p.from, p.to).matches) &&
      rule.types.every((t) => candidate.types.some((c) => patternCovers(c, t)));
    const single = earlier.find(covering);
    if (single !== undefined) {
      found.push({
        ruleId: rule.id,
        shadowedBy: [single.id],
        message: `rule ${rule.id} can never match: the earlier rule ${single.id} matches every transfer it matches (first match wins)`,
      });
      return;
    }
    // Several earlier rules may share the work: each (levels, type) case needs a first taker.
    const takers = new Set<string>();
    for (const p of places) {
      for (const type of rule.types) {
        const taker = earlier.find(
          (e) =>
            placeMatches(e, rule.kind, p.from, p.to).matches &&
            e.types.some((c) => patternCovers(c, type)),
        );
        if (taker === undefined) return;
        takers.add(taker.id);
      }
    }
    const ids = [...takers];
    found.push({
      ruleId: rule.id,
      shadowedBy: ids,
      message: `rule ${rule.id} can never match: the earlier rules ${ids.join(', ')} together match every transfer it matches (first match wins)`,
    });
  });
  return found;
}

function noPlace(rule: Rule, config: Config): string {
  if (config.levels.length < 2) return 'there is only one level, so nothing is ever transferred';
  if (rule.to === 'up') {
    return rule.from === '*' ? 'no level ranks above another' : `no level ranks above ${rule.from}`;
  }
  if (rule.to === 'down') {
    return rule.from === '*' ? 'no level ranks below another' : `no level ranks below ${rule.from}`;
  }
  return `no pair of distinct levels goes from ${rule.from} to ${rule.to}`;
}
