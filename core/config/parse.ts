// Turns the text of the main configuration file and its rules.d/ drop-ins into one validated
// Config, or refuses all of it with every problem located. Pure (no I/O): the daemon puts a
// configuration in force only when this returns.
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { Config, RulesFile } from '../contract/config.js';
import { unreachableRules } from '../policy/unreachable.js';
import { checkConfig } from './checks.js';
import { issueProblems } from './issues.js';
import { ConfigError, type Problem } from './problems.js';
import { parseYamlSource, type ParsedSource, type SourceText } from './yaml-source.js';

export interface RuleOrigin {
  file: string;
  line: number;
}

export interface LoadedConfig {
  config: Config;
  /** SHA-256 (hex) over the canonical JSON of `config`: keys sorted, defaults filled in. */
  digest: string;
  /** The files read, main file first, then the drop-ins in the order their rules were appended. */
  sources: string[];
  /** Where each rule was written. */
  origins: Map<string, RuleOrigin>;
  /** What is legal but probably not meant: unreachable rules, shared ranks, ignored files. */
  warnings: string[];
}

function validate<S extends z.ZodType>(
  schema: S,
  source: ParsedSource,
  problems: Problem[],
): z.infer<S> | undefined {
  if (source.data === undefined) return undefined;
  const result = schema.safeParse(source.data);
  if (result.success) return result.data;
  const underRefused = (path: string): boolean =>
    source.refused.some((r) => path === r || path.startsWith(`${r}.`) || path.startsWith(`${r}[`));
  problems.push(
    ...result.error.issues
      .flatMap((issue) => issueProblems(issue, schema, source.data, source))
      .filter((problem) => !underRefused(problem.path)),
  );
  return undefined;
}

/**
 * Validates the main file and the drop-ins (in the order given: their rules are appended in that
 * order). Throws ConfigError listing every problem of every file; nothing is partly accepted.
 */
export function parseConfig(main: SourceText, dropIns: readonly SourceText[] = []): LoadedConfig {
  const problems: Problem[] = [];
  const mainSource = parseYamlSource(main);
  problems.push(...mainSource.problems);
  const config = validate(Config, mainSource, problems);
  const dropInSources = dropIns.map((d) => parseYamlSource(d));
  const dropInRules = dropInSources.map((source) => {
    problems.push(...source.problems);
    return validate(RulesFile, source, problems);
  });
  const checked = checkConfig(mainSource, dropInSources);
  problems.push(...checked.problems);

  if (problems.length > 0 || config === undefined) {
    const order = [main.file, ...dropIns.map((d) => d.file)];
    problems.sort(
      (a, b) =>
        order.indexOf(a.file) - order.indexOf(b.file) || a.line - b.line || a.column - b.column,
    );
    throw new ConfigError(dedupe(problems));
  }

  const origins = new Map<string, RuleOrigin>();
  const note = (source: ParsedSource, count: number): void => {
    for (let i = 0; i < count; i++) {
      const rules = (source.data as { rules: { id: string }[] }).rules;
      const id = rules[i]?.id;
      if (id !== undefined)
        origins.set(id, { file: source.file, line: source.locate(['rules', i]).line });
    }
  };
  note(mainSource, config.rules.length);
  const rules = [...config.rules];
  dropInRules.forEach((file, n) => {
    const source = dropInSources[n] as ParsedSource;
    if (file === undefined) return;
    note(source, file.rules.length);
    rules.push(...file.rules);
  });
  const merged: Config = { ...config, rules };

  const warnings = [...checked.warnings];
  for (const found of unreachableRules(merged)) {
    const origin = origins.get(found.ruleId);
    warnings.push(origin ? `${origin.file}:${origin.line}: ${found.message}` : found.message);
  }

  return {
    config: merged,
    digest: createHash('sha256').update(canonicalJson(merged)).digest('hex'),
    sources: [main.file, ...dropIns.map((d) => d.file)],
    origins,
    warnings,
  };
}

/** JSON with object keys sorted at every depth: the same configuration always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.file}\0${p.line}\0${p.column}\0${p.path}\0${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
