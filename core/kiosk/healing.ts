// Self-healing decisions, pure: given when an autostart app ended before, restart it again or give
// up (its workspace then shows an error page instead of a restart loop). The daemon acts on them.

export interface HealingPolicy {
  /** Restarts allowed within the window; one more end gives up. */
  maxRestarts: number;
  windowSeconds: number;
}

export type HealingDecision =
  | { action: 'restart'; crashes: number; history: number[] }
  | { action: 'give-up'; crashes: number; history: number[]; reason: string };

/**
 * `history`: times (ms) of the app's earlier ends; `now`: this end. Ends older than the window
 * are forgotten, so an app that crashes once a day is restarted for ever.
 */
export function decideRestart(
  history: readonly number[],
  now: number,
  policy: HealingPolicy,
): HealingDecision {
  const windowMs = policy.windowSeconds * 1000;
  const recent = [...history.filter((t) => t > now - windowMs && t <= now), now];
  const crashes = recent.length;
  if (crashes > policy.maxRestarts) {
    return {
      action: 'give-up',
      crashes,
      history: recent,
      reason: `it ended ${crashes} times within ${policy.windowSeconds} s (at most ${policy.maxRestarts} restarts allowed)`,
    };
  }
  return { action: 'restart', crashes, history: recent };
}
