// The checks a schema cannot express: ids unique, rules naming levels, types and sanitisers that
// exist, sanitisers able to take every type of their rule, web-app origins that are origins. Part
// of the configuration boundary: they run on every file before any rule is put in force.
import { Id, Level, MimePattern } from '../contract/config.js';
import { isKnownTypePattern, knownTypes, mimeMatches } from '../inspect/types.js';
import { reservedRuleIds } from '../policy/decide.js';
import { isSanitiserName, sanitiserCatalogue } from '../sanitise/catalogue.js';
import { checkKiosk } from './kiosk-checks.js';
import { didYouMean, formatPath, type Problem } from './problems.js';
import type { ParsedSource } from './yaml-source.js';

export interface CheckResult {
  problems: Problem[];
  warnings: string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function items(value: unknown, key: string): unknown[] {
  return isRecord(value) && Array.isArray(value[key]) ? value[key] : [];
}

function validId(value: unknown): value is string {
  return Id.safeParse(value).success;
}

/**
 * `main` is the main file, `ruleFiles` the drop-ins in the order their rules are appended. Works on
 * the raw data of each file, element by element, so that problems in one place do not hide those of
 * another.
 */
export function checkConfig(main: ParsedSource, ruleFiles: readonly ParsedSource[]): CheckResult {
  const problems: Problem[] = [];
  const warnings: string[] = [];
  const problem = (
    source: ParsedSource,
    path: PropertyKey[],
    message: string,
    key = false,
  ): void => {
    const { line, column, value } = source.locate(path, { key });
    problems.push({
      file: source.file,
      line,
      column,
      path: formatPath(path),
      ...(value !== undefined ? { value } : {}),
      message,
    });
  };
  const lineOf = (source: ParsedSource, path: PropertyKey[]): string =>
    `${source.file}:${source.locate(path).line}`;

  // Levels and their apps.
  const rawLevels = items(main.data, 'levels');
  const levelIds = new Map<string, number>();
  const ranks = new Map<number, number>();
  let firstHostNetwork: number | undefined;
  rawLevels.forEach((raw, i) => {
    if (!isRecord(raw)) return;
    if (validId(raw.id)) {
      const first = levelIds.get(raw.id);
      if (first !== undefined) {
        problem(
          main,
          ['levels', i, 'id'],
          `level id "${raw.id}" is already used by the level at ${lineOf(main, ['levels', first])}`,
        );
      } else levelIds.set(raw.id, i);
    }
    const appIds = new Map<string, number>();
    items(raw, 'apps').forEach((app, k) => {
      if (!isRecord(app)) return;
      if (validId(app.id)) {
        const first = appIds.get(app.id);
        if (first !== undefined) {
          problem(
            main,
            ['levels', i, 'apps', k, 'id'],
            `app id "${app.id}" is already used in this level by the app at ${lineOf(main, ['levels', i, 'apps', first])}`,
          );
        } else appIds.set(app.id, k);
      }
      if (app.type === 'web') {
        items(app, 'origins').forEach((origin, m) => {
          if (typeof origin !== 'string' || !URL.canParse(origin)) return;
          const url = new URL(origin);
          if (url.origin !== origin && /^https?:$/.test(url.protocol)) {
            problem(
              main,
              ['levels', i, 'apps', k, 'origins', m],
              `expected an origin (scheme, host and port only, no path, query or fragment); did you mean "${url.origin}"?`,
            );
          }
        });
      }
    });
    const level = Level.safeParse(raw);
    if (level.success) {
      const other = ranks.get(level.data.rank);
      if (other !== undefined) {
        const otherId = (rawLevels[other] as { id: string }).id;
        warnings.push(
          `${lineOf(main, ['levels', i, 'rank'])}: levels ${otherId} and ${level.data.id} share rank ${level.data.rank}: "up" and "down" rules never match between them, only rules naming them or "*" do`,
        );
      } else ranks.set(level.data.rank, i);
      if (level.data.network === 'host') {
        if (firstHostNetwork === undefined) firstHostNetwork = i;
        else {
          const otherId = (rawLevels[firstHostNetwork] as { id: string }).id;
          warnings.push(
            `${lineOf(main, ['levels', i, 'network'])}: levels ${otherId} and ${level.data.id} both use the host's network: their apps can reach each other directly (loopback listeners, abstract Unix sockets), outside the broker and its rules; give the host's network to one level at most`,
          );
        }
      }
    }
  });
  const levelsKnown = isRecord(main.data) && Array.isArray(main.data.levels);
  const levelList = [...levelIds.keys()].join(', ');

  // Administration accounts: one entry per name, so that a login is never ambiguous.
  const accountNames = new Map<string, number>();
  const rawAdministration = isRecord(main.data) ? main.data['administration'] : undefined;
  items(rawAdministration, 'accounts').forEach((raw, i) => {
    if (!isRecord(raw) || typeof raw['name'] !== 'string') return;
    const first = accountNames.get(raw['name']);
    if (first !== undefined) {
      problem(
        main,
        ['administration', 'accounts', i, 'name'],
        `the account "${raw['name']}" is already defined at administration.accounts[${first}]`,
      );
    } else accountNames.set(raw['name'], i);
  });

  // Rules, across the main file and the drop-ins.
  const ruleIds = new Map<string, { source: ParsedSource; index: number }>();
  for (const source of [main, ...ruleFiles]) {
    items(source.data, 'rules').forEach((raw, i) => {
      if (!isRecord(raw)) return;
      const at = (...rest: PropertyKey[]): PropertyKey[] => ['rules', i, ...rest];
      if (validId(raw.id)) {
        const first = ruleIds.get(raw.id);
        if (reservedRuleIds.includes(raw.id)) {
          problem(
            source,
            at('id'),
            `rule id "${raw.id}" is reserved for the broker's own decisions (${reservedRuleIds.join(', ')})`,
          );
        } else if (first !== undefined) {
          problem(
            source,
            at('id'),
            `rule id "${raw.id}" is already used by the rule at ${lineOf(first.source, ['rules', first.index])}`,
          );
        } else ruleIds.set(raw.id, { source, index: i });
      }
      if (levelsKnown) {
        for (const end of ['from', 'to'] as const) {
          const name = raw[end];
          if (!validId(name) || levelIds.has(name)) continue;
          if (end === 'to' && (name === 'up' || name === 'down')) continue;
          problem(
            source,
            at(end),
            `unknown level "${name}"${didYouMean(name, levelIds.keys())} (levels: ${levelList})`,
          );
        }
      }
      if (validId(raw.from) && raw.from === raw.to && raw.to !== 'up' && raw.to !== 'down') {
        problem(
          source,
          at('to'),
          `"to" names the same level as "from": a transfer always goes to another level`,
        );
      }
      const types = Array.isArray(raw.types) ? raw.types : [];
      types.forEach((type, k) => {
        if (!MimePattern.safeParse(type).success || isKnownTypePattern(type as string)) return;
        const pattern = type as string;
        const hint = pattern.endsWith('/*')
          ? ` (no type Cloison detects starts with "${pattern.slice(0, -1)}")`
          : `${didYouMean(pattern, knownTypes)} (not a type Cloison detects from content)`;
        problem(source, at('types', k), `unknown type "${pattern}"${hint}`);
      });
      const sanitiser = raw.sanitise;
      if (typeof sanitiser === 'string' && /^[a-z][a-z0-9-]*$/.test(sanitiser)) {
        const known = Object.keys(sanitiserCatalogue);
        if (!isSanitiserName(sanitiser)) {
          problem(
            source,
            at('sanitise'),
            `unknown sanitiser "${sanitiser}"${didYouMean(sanitiser, known)} (known: ${known.join(', ')})`,
          );
        } else {
          const accepts: readonly string[] = sanitiserCatalogue[sanitiser].accepts;
          types.forEach((type, k) => {
            if (!MimePattern.safeParse(type).success) return;
            const pattern = (type as string).toLowerCase();
            if (accepts.includes(pattern)) return;
            if (pattern.endsWith('/*')) {
              const example = [...knownTypes]
                .sort()
                .find((t) => mimeMatches(pattern, t) && !accepts.includes(t));
              problem(
                source,
                at('types', k),
                `"${pattern}" also covers types ${sanitiser} does not accept${example ? ` (such as ${example})` : ''}: list the types instead, among ${accepts.join(', ')}`,
              );
            } else {
              problem(
                source,
                at('types', k),
                `sanitiser ${sanitiser} does not accept ${pattern} (it accepts ${accepts.join(', ')})`,
              );
            }
          });
        }
        if (raw.action === 'deny') {
          warnings.push(
            `${lineOf(source, at('sanitise'))}: rule ${String(raw.id)} denies, so its sanitiser ${sanitiser} never runs`,
          );
        }
      }
      // Quarantine keeps an original that a sanitiser replaced: only files have one to keep.
      if (raw.quarantine === true) {
        if (raw.kind !== 'file') {
          problem(
            source,
            at('quarantine'),
            'quarantine keeps files only: a clipboard rule has no file to keep in the Quarantine/ folder',
          );
        } else if (typeof sanitiser !== 'string') {
          problem(
            source,
            at('quarantine'),
            'quarantine needs a sanitiser: without one the original itself crosses, and there is nothing to keep apart',
          );
        }
      }
    });
  }
  checkKiosk(
    main.data,
    (path, message) => problem(main, path, message),
    (path, message) => warnings.push(`${lineOf(main, path)}: ${message}`),
  );
  return { problems, warnings };
}
