// Says each schema issue of the contract (core/contract/config.ts) in plain words at the place it
// was written: unknown keys point at the key, missing keys at their parent mapping. Part of the
// configuration boundary; the schema itself stays the single source of what is valid.
import type { z } from 'zod';
import { didYouMean, formatPath, type Problem } from './problems.js';
import type { ParsedSource } from './yaml-source.js';

type Issue = z.core.$ZodIssue;

/** One or more problems for one zod issue, located in `source`. */
export function issueProblems(
  issue: Issue,
  schema: z.ZodType,
  data: unknown,
  source: ParsedSource,
): Problem[] {
  const path = issue.path;
  const at = (p: readonly PropertyKey[], message: string, key = false): Problem => {
    const { line, column, value } = source.locate(p, { key });
    return {
      file: source.file,
      line,
      column,
      path: formatPath(p),
      ...(value !== undefined ? { value } : {}),
      message,
    };
  };

  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeys(schema, path, data);
    return issue.keys.map((key) =>
      at(
        [...path, key],
        `unknown key "${key}"${didYouMean(key, allowed)} (expected one of: ${allowed.join(', ')})`,
        true,
      ),
    );
  }

  const expected = expectation(issue, path);
  const parent = valueAt(data, path.slice(0, -1));
  const last = path[path.length - 1];
  if (
    typeof last === 'string' &&
    isRecord(parent) &&
    !Object.prototype.hasOwnProperty.call(parent, last)
  ) {
    const problem = at(path, `missing key "${last}": ${expected}`);
    delete problem.value;
    return [problem];
  }

  const input = valueAt(data, path);
  let message = expected;
  if (issue.code === 'invalid_type') message += `, got ${describeValue(input)}`;
  const alternatives = enumValues(issue);
  if (typeof input === 'string' && alternatives.length > 0) {
    message += didYouMean(input, alternatives);
  }
  return [at(path, message)];
}

/** What the schema wanted at this place, as a phrase starting with "expected". */
function expectation(issue: Issue, path: readonly PropertyKey[]): string {
  const last = path[path.length - 1];
  switch (issue.code) {
    case 'invalid_value':
      return `expected ${oneOf(issue.values.map(String))}`;
    case 'invalid_union': {
      if (issue.discriminator !== undefined && 'options' in issue && issue.options) {
        return `expected ${oneOf(issue.options.map(String))}`;
      }
      if (last === 'from') return 'expected "*" or a level id';
      if (last === 'to') return 'expected "*", "up", "down" or a level id';
      return `expected ${oneOf(enumValues(issue))}`;
    }
    case 'invalid_type':
      return `expected ${describeType(issue.expected)}`;
    case 'invalid_format':
      if (issue.format === 'url')
        return 'expected an http or https URL such as https://example.org/';
      if (issue.format === 'regex') return `expected ${issue.message}`;
      return `expected text in the ${issue.format} format`;
    case 'too_small':
      return `expected ${bound(issue.origin, issue.minimum, issue.inclusive !== false, 'least')}`;
    case 'too_big':
      return `expected ${bound(issue.origin, issue.maximum, issue.inclusive !== false, 'most')}`;
    default:
      return issue.message;
  }
}

function bound(
  origin: string,
  limit: number | bigint,
  inclusive: boolean,
  side: 'least' | 'most',
): string {
  if (origin === 'array') return `at ${side} ${limit} ${limit === 1 ? 'entry' : 'entries'}`;
  if (origin === 'string') {
    if (side === 'least' && limit === 1) return 'some text (it is empty)';
    return `at ${side} ${limit} ${limit === 1 ? 'character' : 'characters'}`;
  }
  if (inclusive) return `a number of at ${side} ${limit}`;
  return `a number ${side === 'least' ? 'greater' : 'less'} than ${limit}`;
}

function oneOf(values: readonly string[]): string {
  if (values.length === 1) return `"${values[0]}"`;
  return `one of ${values.join(', ')}`;
}

/** The literal values an enum, literal or union issue would have accepted. */
function enumValues(issue: Issue): string[] {
  if (issue.code === 'invalid_value') return issue.values.map(String);
  if (issue.code === 'invalid_union') {
    if (issue.discriminator !== undefined && 'options' in issue && issue.options) {
      return issue.options.map(String);
    }
    return issue.errors.flat().flatMap((inner) => enumValues(inner));
  }
  return [];
}

function describeType(expected: string): string {
  switch (expected) {
    case 'string':
      return 'text';
    case 'int':
      return 'a whole number';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list';
    case 'object':
      return 'a mapping of keys to values';
    default:
      return expected;
  }
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `text "${value}"`;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return 'a number too large to use';
    return Number.isInteger(value) ? `the number ${value}` : `the fraction ${value}`;
  }
  return String(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data;
  for (const segment of path) {
    if (Array.isArray(value) && typeof segment === 'number') value = value[segment];
    else if (isRecord(value) && typeof segment === 'string' && Object.hasOwn(value, segment)) {
      value = value[segment];
    } else return undefined;
  }
  return value;
}

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** The keys the object schema at `path` accepts, following the data through unions. */
export function allowedKeys(
  schema: z.ZodType,
  path: readonly PropertyKey[],
  data: unknown,
): string[] {
  const objects = schemasAt(schema, path, data);
  return [...new Set(objects.flatMap((s) => Object.keys(defOf(s).shape ?? {})))];
}

function schemasAt(schema: z.ZodType, path: readonly PropertyKey[], data: unknown): z.ZodType[] {
  const def = defOf(schema);
  if (def.innerType) return schemasAt(def.innerType, path, data);
  if (def.type === 'pipe' && def.in) return schemasAt(def.in, path, data);
  if (def.type === 'union' && def.options) {
    let options = def.options;
    if (def.discriminator !== undefined && isRecord(data)) {
      const tag = data[def.discriminator];
      const chosen = options.filter((o) => {
        const field = defOf(o).shape?.[def.discriminator as string];
        const values = field ? (defOf(field) as { values?: unknown[] }).values : undefined;
        return values?.includes(tag) === true;
      });
      if (chosen.length > 0) options = chosen;
    }
    return options.flatMap((o) => schemasAt(o, path, data));
  }
  if (path.length === 0) return def.type === 'object' ? [schema] : [];
  const [head, ...rest] = path;
  if (def.type === 'array' && def.element && typeof head === 'number') {
    return schemasAt(def.element, rest, Array.isArray(data) ? data[head] : undefined);
  }
  if (def.type === 'object' && def.shape && typeof head === 'string' && def.shape[head]) {
    return schemasAt(def.shape[head], rest, isRecord(data) ? data[head] : undefined);
  }
  return [];
}
