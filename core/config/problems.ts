// What a refused configuration says: one problem per mistake, each with its file, line, column and
// path, gathered into one ConfigError. Sits at the boundary where administrator-written files enter
// the daemon; nothing here reads files.
import { CloisonError } from '../contract/errors.js';

/** One mistake in a configuration file. `line` and `column` are 1-based; 0 when the file as a whole is at fault (unreadable). */
export interface Problem {
  file: string;
  line: number;
  column: number;
  /** Where in the configuration, as `rules[3].action`; empty for the document itself. */
  path: string;
  /** The offending value as written in the file, when there is one. */
  value?: string;
  /** What was expected, in plain words. */
  message: string;
}

/** `file:line:column: path: "value": message`, the form editors and terminals link to. */
export function formatProblem(problem: Problem): string {
  const where =
    problem.line > 0 ? `${problem.file}:${problem.line}:${problem.column}` : problem.file;
  // The offending value is shown as written, so the reader sees what was wrong, not only where.
  const value = problem.value !== undefined ? ` ${JSON.stringify(problem.value)}:` : '';
  return problem.path === ''
    ? `${where}:${value} ${problem.message}`
    : `${where}: ${problem.path}:${value} ${problem.message}`;
}

/** A configuration refused whole: every problem found, in file and line order. */
export class ConfigError extends CloisonError {
  readonly problems: readonly Problem[];
  constructor(problems: readonly Problem[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(
      'INVALID_CONFIG',
      `The configuration is refused (${count}):\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`,
      { problems: problems.map((p) => ({ ...p })) },
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Renders a zod-style path as `rules[3].action`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

/** Optimal string alignment distance: edits, counting a swap of neighbours (`clipbaord`) as one. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => d[i]?.[j] ?? 0;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, at(i - 2, j - 2) + 1);
      }
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** The nearest candidate within two edits, if exactly one is nearest. */
export function nearest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  let tie = false;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
      tie = false;
    } else if (distance === bestDistance) {
      tie = true;
    }
  }
  return tie ? undefined : best;
}

/** `: did you mean "clipboard"?` or nothing. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const guess = nearest(word, candidates);
  return guess === undefined || guess === word ? '' : `; did you mean "${guess}"?`;
}
