// Turns the text of one configuration file into plain data while keeping where each value was
// written, so that every later problem can name its line and column. First contact with
// administrator-written bytes: YAML features that hide what a rule says are refused here.
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type Document,
  visit,
  type Node as YamlNode,
} from 'yaml';
import { formatPath, type Problem } from './problems.js';

export interface SourceText {
  /** The name problems are reported under: normally the file's path. */
  file: string;
  text: string;
}

export interface Position {
  line: number;
  column: number;
  /** The value as written, for scalars. */
  value?: string;
}

export interface ParsedSource {
  file: string;
  /** The document as plain data; `undefined` when the YAML syntax is broken. */
  data: unknown;
  /** YAML-level problems (syntax, duplicate keys, anchors, merge keys, tags, several documents). */
  problems: Problem[];
  /** Paths (as `rules[3].id`) whose values were refused here: schema issues under them add nothing. */
  refused: string[];
  /**
   * Where the node at `path` was written. A missing key points at its parent mapping; with
   * `{ key: true }` the last segment's key is pointed at instead of its value (unknown keys).
   */
  locate(path: readonly PropertyKey[], options?: { key?: boolean }): Position;
}

/** Tags that only restate what plain YAML already says; anything else (binary, timestamps, custom) is refused. */
const plainTags = new Set(
  ['str', 'int', 'float', 'bool', 'null', 'seq', 'map'].map((t) => `tag:yaml.org,2002:${t}`),
);

export function parseYamlSource(source: SourceText): ParsedSource {
  const lineCounter = new LineCounter();
  const problems: Problem[] = [];
  const refused: string[] = [];
  const docs = parseAllDocuments(source.text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    merge: false,
    strict: true,
  });
  const list: Document.Parsed[] = Array.isArray(docs) ? docs : [];
  const doc = list[0];

  const position = (offset: number): { line: number; column: number } => {
    const { line, col } = lineCounter.linePos(Math.max(0, offset));
    return { line, column: col };
  };
  const problemAt = (offset: number, message: string, path = ''): Problem => ({
    file: source.file,
    ...position(offset),
    path,
    message,
  });

  const locateNode = (
    path: readonly PropertyKey[],
    key = false,
  ): { node: YamlNode | null | undefined; keyNode?: YamlNode } => {
    let node: unknown = doc?.contents;
    let keyNode: YamlNode | undefined;
    for (let i = 0; i < path.length; i++) {
      const segment = path[i];
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && keyText(p.key) === String(segment));
        if (pair === undefined) return { node: node as YamlNode };
        keyNode = pair.key as YamlNode;
        if (key && i === path.length - 1) return { node: keyNode };
        if (pair.value === null || pair.value === undefined) return { node: keyNode };
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
        node = node.items[segment];
      } else {
        break;
      }
    }
    return { node: node as YamlNode | null | undefined, ...(keyNode ? { keyNode } : {}) };
  };

  const locate = (path: readonly PropertyKey[], options?: { key?: boolean }): Position => {
    const { node } = locateNode(path, options?.key === true);
    if (node === null || node === undefined || node.range === undefined || node.range === null) {
      return doc === undefined ? { line: 1, column: 1 } : position(doc.range[0]);
    }
    const at: Position = position(node.range[0]);
    if (isScalar(node)) at.value = node.source ?? String(node.value);
    return at;
  };

  for (const d of list) {
    for (const error of [...d.errors, ...d.warnings]) {
      const offset = error.pos[0];
      const written = keyWrittenAt(d, offset) ?? source.text.slice(error.pos[0], error.pos[1]);
      problems.push(
        problemAt(offset, yamlMessage(error.code, error.message, written), pathAt(d, offset)),
      );
    }
  }
  const extra = list[1];
  if (extra !== undefined) {
    problems.push(
      problemAt(
        extra.range[0],
        'a second YAML document: a configuration file holds one document (remove the "---" and what follows, or move those rules to a file of rules.d/)',
      ),
    );
  }
  if (problems.length > 0) return { file: source.file, data: undefined, problems, refused, locate };

  const toData = (node: unknown, path: PropertyKey[]): unknown => {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      refused.push(formatPath(path));
      problems.push(
        problemAt(
          node.range?.[0] ?? 0,
          `alias "*${node.source}" is refused: write the value out in full so that each rule says what it does where it stands`,
          formatPath(path),
        ),
      );
      return null;
    }
    const yamlNode = node as YamlNode;
    const offset = yamlNode.range?.[0] ?? 0;
    if (yamlNode.anchor) {
      problems.push(
        problemAt(
          offset,
          `anchor "&${yamlNode.anchor}" is refused: anchors and aliases hide what a rule says; write each value out`,
          formatPath(path),
        ),
      );
    }
    if (yamlNode.tag !== undefined && !plainTags.has(yamlNode.tag)) {
      refused.push(formatPath(path));
      problems.push(
        problemAt(
          offset,
          `tag "${yamlNode.tag.replace('tag:yaml.org,2002:', '!!')}" is refused: write plain text, numbers, true/false, lists and mappings`,
          formatPath(path),
        ),
      );
      return null;
    }
    if (isScalar(yamlNode)) {
      const value = yamlNode.value;
      if (
        value === null ||
        typeof value === 'string' ||
        typeof value === 'number' ||
        typeof value === 'boolean'
      ) {
        return value;
      }
      return String(value);
    }
    if (isSeq(yamlNode)) return yamlNode.items.map((item, i) => toData(item, [...path, i]));
    if (isMap(yamlNode)) {
      const out: Record<string, unknown> = {};
      for (const pair of yamlNode.items) {
        const keyNode = pair.key as YamlNode | null;
        if (!isScalar(keyNode)) {
          problems.push(
            problemAt(
              (keyNode?.range?.[0] ?? offset) as number,
              'a key must be a plain word, not a list or a mapping',
              formatPath(path),
            ),
          );
          continue;
        }
        const key = keyText(keyNode);
        if (key === '<<') {
          problems.push(
            problemAt(
              keyNode.range?.[0] ?? offset,
              'merge key "<<" is refused: it hides what a rule says; write each key out',
              formatPath(path),
            ),
          );
          continue;
        }
        // defineProperty: a key named __proto__ stays a key (and is then refused as unknown).
        Object.defineProperty(out, key, {
          value: toData(pair.value, [...path, key]),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    return null;
  };

  // The data is still given after refusals (anchor, merge key, tag) so that the rest of the file
  // is checked too; the problems alone refuse the configuration.
  const data = doc === undefined ? null : toData(doc.contents, []);
  return { file: source.file, data, problems, refused, locate };
}

function keyText(key: unknown): string {
  if (!isScalar(key)) return '';
  return typeof key.value === 'string' ? key.value : (key.source ?? String(key.value));
}

/** The key whose text starts at `offset`, if any (duplicate-key errors point there). */
function keyWrittenAt(doc: Document.Parsed, offset: number): string | undefined {
  let found: string | undefined;
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.range?.[0] === offset) {
        found = keyText(pair.key);
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/** The configuration path of the deepest node written at `offset`, for syntax errors. */
function pathAt(doc: Document.Parsed, offset: number): string {
  const path: PropertyKey[] = [];
  const inside = (node: unknown): boolean => {
    const range = (node as YamlNode | null)?.range;
    return range !== undefined && range !== null && range[0] <= offset && offset < range[2];
  };
  let node: unknown = doc.contents;
  for (;;) {
    if (isMap(node)) {
      const pair = node.items.find((p) => inside(p.key) || inside(p.value));
      if (pair === undefined) break;
      path.push(keyText(pair.key));
      if (!inside(pair.value)) break;
      node = pair.value;
    } else if (isSeq(node)) {
      const index = node.items.findIndex((item) => inside(item));
      if (index === -1) break;
      path.push(index);
      node = node.items[index];
    } else {
      break;
    }
  }
  return formatPath(path);
}

/** The yaml package's messages, said for an administrator. */
function yamlMessage(code: string, message: string, written: string): string {
  switch (code) {
    case 'DUPLICATE_KEY':
      return `key "${written}" is written twice in the same mapping: each key may appear once`;
    case 'TAB_AS_INDENT':
      return 'a tab used for indentation: indent with spaces';
    case 'TAG_RESOLVE_FAILED':
      return `${message}: tags are refused; write plain values`;
    default:
      return `YAML syntax: ${message.replace(/ at line \d+, column \d+.*$/s, '')}`;
  }
}
