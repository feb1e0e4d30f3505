// Kiosk decisions, pure: which levels a kiosk offers, where the shell starts, and whether a user's
// launch or level start is allowed. The daemon asks these before it acts on a user-socket call, so
// a shell (or anyone on the user socket) calling the API directly gets the same answer as the UI.
import type { Config, Kiosk } from '../contract/config.js';

export type KioskDecision = { allowed: true } | { allowed: false; reason: string };

/** The levels offered, in the configuration's order (every level when not a kiosk). */
export function offeredLevels(config: Config): string[] {
  const all = config.levels.map((l) => l.id);
  const kiosk = config.kiosk;
  if (!kiosk?.levels) return all;
  return all.filter((id) => kiosk.levels!.includes(id));
}

/** Where the shell starts and returns after a reset: the configured one, else the lowest rank. */
export function startLevel(config: Config): string | undefined {
  if (config.kiosk?.startLevel) return config.kiosk.startLevel;
  const offered = new Set(offeredLevels(config));
  return [...config.levels].filter((l) => offered.has(l.id)).sort((a, b) => a.rank - b.rank)[0]?.id;
}

export function isAutostart(kiosk: Kiosk, level: string, app: string): boolean {
  return kiosk.autostart.some((a) => a.level === level && a.app === app);
}

/** The apps of each offered level a user may launch (autostart ones only, unless `userLaunch`). */
export function launchableApps(config: Config): Record<string, string[]> {
  const offered = new Set(offeredLevels(config));
  const result: Record<string, string[]> = {};
  for (const level of config.levels) {
    if (!offered.has(level.id)) continue;
    result[level.id] = level.apps
      .filter((a) => mayLaunch(config, level.id, a.id).allowed)
      .map((a) => a.id);
  }
  return result;
}

/** Whether the user may start a level: any level outside a kiosk, an offered one in a kiosk. */
export function mayStartLevel(config: Config, level: string): KioskDecision {
  if (!config.kiosk || offeredLevels(config).includes(level)) return { allowed: true };
  return {
    allowed: false,
    reason: `This kiosk does not offer level "${level}"; it offers: ${offeredLevels(config).join(', ')}.`,
  };
}

/** Whether the user may launch `app` of `level`. Unknown apps are the caller's to refuse. */
export function mayLaunch(config: Config, level: string, app: string): KioskDecision {
  const kiosk = config.kiosk;
  if (!kiosk) return { allowed: true };
  const start = mayStartLevel(config, level);
  if (!start.allowed) return start;
  if (kiosk.userLaunch || isAutostart(kiosk, level, app)) return { allowed: true };
  return {
    allowed: false,
    reason: `This kiosk starts its apps itself and lets no other be launched: "${app}" of level "${level}" is not one of them.`,
  };
}

/**
 * Whether the user may stop a level, or one of its apps: outside a kiosk, or in one that lets its
 * user launch apps. A kiosk that starts its apps itself keeps them running: a stop by its user
 * would leave the next person an empty workspace until the idle reset.
 */
export function mayStop(config: Config, level: string, what: string): KioskDecision {
  const start = mayStartLevel(config, level);
  if (!start.allowed) return start;
  if (!config.kiosk || config.kiosk.userLaunch) return { allowed: true };
  return {
    allowed: false,
    reason: `This kiosk runs its levels and apps itself: ${what} is not for its user to stop.`,
  };
}

/** Whether the user may launch one more copy of an app that runs: not an autostart app of a kiosk
 * that starts its apps itself (one of each, the kiosk's). */
export function mayLaunchAgain(config: Config, level: string, app: string): KioskDecision {
  const kiosk = config.kiosk;
  if (!kiosk || kiosk.userLaunch || !isAutostart(kiosk, level, app)) return { allowed: true };
  return {
    allowed: false,
    reason: `"${app}" of level "${level}" runs already, and this kiosk starts one of it, itself.`,
  };
}
