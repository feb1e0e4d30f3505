// What an administrator's login on the user socket (the shell's admin console) may not change:
// what runs inside a level and what it can reach. An app's argv, a web app's address, a level's
// network or account, the kiosk's autostart and the compartments' settings decide the code that
// reads a level's home, and an administrator never reads the users' files (CLIP OS's rule): those
// changes are made on the admin socket, by whoever administers the machine itself. Pure.
import { isDeepStrictEqual } from 'node:util';
import type { Config } from '../contract/config.js';

/** Each change of `next` against `previous` that decides what runs in a level; empty: none. */
export function changesToWhatRuns(previous: Config, next: Config): string[] {
  const changes: string[] = [];
  for (const level of next.levels) {
    const before = previous.levels.find((l) => l.id === level.id);
    for (const app of level.apps) {
      const was = before?.apps.find((a) => a.id === app.id);
      if (!isDeepStrictEqual(was, app))
        changes.push(`${was ? 'changes' : 'adds'} app "${app.id}" of level "${level.id}"`);
    }
    if (!before) continue;
    // Less network is no risk; more is a way out for whatever runs there.
    if (level.network !== before.network && level.network !== 'none')
      changes.push(`gives level "${level.id}" the ${level.network} network`);
    if (level.account !== before.account)
      changes.push(`changes the account level "${level.id}" runs as`);
  }
  if (!isDeepStrictEqual(previous.broker.compartments, next.broker.compartments))
    changes.push('changes broker.compartments');
  if (
    !isDeepStrictEqual(previous.kiosk?.autostart, next.kiosk?.autostart) &&
    (next.kiosk?.autostart.length ?? 0) > 0
  )
    changes.push('changes what the kiosk starts by itself');
  return changes;
}
