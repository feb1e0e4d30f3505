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

/** An app that ends sooner than this after its start is ending quickly: its next restart waits. */
export const QUICK_END_MS = 10_000;
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 30_000;

/**
 * How long to wait before restarting an app that ran `ranMs`, after waiting `previousMs` the last
 * time: nothing after a long run; after a quick end, twice the last wait (from half a second, at
 * most 30 s). Whatever the restart window allows, an app that ends at once is never restarted in
 * a tight loop.
 */
export function restartDelay(ranMs: number, previousMs: number): number {
  if (ranMs >= QUICK_END_MS) return 0;
  return Math.min(Math.max(previousMs * 2, FIRST_DELAY_MS), MAX_DELAY_MS);
}
