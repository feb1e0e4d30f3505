// The kiosk section's checks a schema cannot express: the levels and apps it names exist, its
// autostart apps are native apps of offered levels, its start level is offered. Part of the
// configuration boundary, like checks.ts: a kiosk naming what is not there is refused whole.
import { Id } from '../contract/config.js';
import { didYouMean } from './problems.js';

type Report = (path: PropertyKey[], message: string) => void;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const validId = (value: unknown): value is string => Id.safeParse(value).success;

export function checkKiosk(data: unknown, problem: Report, warn: Report = () => {}): void {
  if (!isRecord(data) || !isRecord(data.kiosk) || !Array.isArray(data.levels)) return;
  const kiosk = data.kiosk;
  const levels = new Map<string, Record<string, unknown>>();
  for (const raw of data.levels) if (isRecord(raw) && validId(raw.id)) levels.set(raw.id, raw);
  const known = [...levels.keys()];
  const unknownLevel = (name: string) =>
    `unknown level "${name}"${didYouMean(name, known)} (levels: ${known.join(', ')})`;

  const offered = Array.isArray(kiosk.levels) ? kiosk.levels.filter(validId) : known;
  if (Array.isArray(kiosk.levels)) {
    const listed: unknown[] = kiosk.levels;
    listed.forEach((name, i) => {
      if (validId(name) && !levels.has(name)) problem(['kiosk', 'levels', i], unknownLevel(name));
      else if (validId(name) && listed.indexOf(name) !== i)
        problem(['kiosk', 'levels', i], `level "${name}" is already offered by an earlier entry`);
    });
  }
  // The idle reset makes ephemeral levels new; any other keeps what the last person left in it.
  // (Absent, it has its default, which is not 0.)
  if (
    kiosk.idleSeconds === undefined ||
    (typeof kiosk.idleSeconds === 'number' && kiosk.idleSeconds > 0)
  ) {
    for (const id of offered) {
      const level = levels.get(id);
      if (!level || level.ephemeral === true) continue;
      const at = Array.isArray(kiosk.levels)
        ? ['kiosk', 'levels', kiosk.levels.indexOf(id)]
        : ['kiosk'];
      warn(
        at,
        `level "${id}" is offered but not ephemeral: the idle reset keeps its home (files delivered to it included), its running apps and their clipboard for the next person; on a terminal people share, make it ephemeral`,
      );
    }
  }
  if (validId(kiosk.startLevel)) {
    if (!levels.has(kiosk.startLevel))
      problem(['kiosk', 'startLevel'], unknownLevel(kiosk.startLevel));
    else if (!offered.includes(kiosk.startLevel))
      problem(
        ['kiosk', 'startLevel'],
        `the start level "${kiosk.startLevel}" is not among the levels the kiosk offers (${offered.join(', ')})`,
      );
  }
  const seen = new Set<string>();
  (Array.isArray(kiosk.autostart) ? kiosk.autostart : []).forEach((entry, i) => {
    if (!isRecord(entry) || !validId(entry.level) || !validId(entry.app)) return;
    const at = ['kiosk', 'autostart', i];
    const level = levels.get(entry.level);
    if (!level) return problem([...at, 'level'], unknownLevel(entry.level));
    if (!offered.includes(entry.level))
      return problem(
        [...at, 'level'],
        `level "${entry.level}" is not among the levels the kiosk offers (${offered.join(', ')})`,
      );
    const apps = Array.isArray(level.apps) ? level.apps.filter(isRecord) : [];
    const app = apps.find((a) => a.id === entry.app);
    if (!app) {
      const ids = apps.map((a) => String(a.id));
      return problem(
        [...at, 'app'],
        `level "${entry.level}" has no app "${entry.app}"${didYouMean(entry.app, ids)} (its apps: ${ids.join(', ') || 'none'})`,
      );
    }
    if (app.type !== 'native')
      return problem(
        [...at, 'app'],
        `"${entry.app}" is a web app: the daemon starts native apps only`,
      );
    const key = `${entry.level}/${entry.app}`;
    if (seen.has(key)) problem([...at, 'app'], `${key} is already started by an earlier entry`);
    seen.add(key);
  });
}
