// The rules of a configuration text as table rows, and table edits written back into the text
// (comments and the rest of the file kept, through yaml's document model). Pure: the daemon's
// config.validate judges the result; nothing here decides whether a rule is valid.
import { isMap, isSeq, parseDocument, type Document } from 'yaml';

export const RULE_FIELDS = [
  'id',
  'kind',
  'from',
  'to',
  'types',
  'maxBytes',
  'action',
  'sanitise',
] as const;
export type RuleField = (typeof RULE_FIELDS)[number];
export type RuleRow = Record<RuleField, string>;

function parsed(text: string): Document | undefined {
  const doc = parseDocument(text);
  return doc.errors.length > 0 ? undefined : doc;
}

/** The rows of the text's `rules`, or undefined when the text is not YAML the table can show. */
export function ruleRows(text: string): RuleRow[] | undefined {
  const doc = parsed(text);
  if (!doc) return undefined;
  const rules = doc.get('rules');
  if (rules === undefined) return [];
  if (!isSeq(rules)) return undefined;
  return rules.items.map((item) => {
    const row = {} as RuleRow;
    for (const field of RULE_FIELDS) {
      const value = isMap(item) ? (item.toJSON() as Record<string, unknown>)[field] : undefined;
      row[field] = Array.isArray(value)
        ? value.join(', ')
        : value === undefined
          ? ''
          : String(value);
    }
    return row;
  });
}

/** The cell's text as YAML would hold it: lists for types, numbers for sizes; '' removes the key. */
function cellValue(field: RuleField, value: string): unknown {
  if (field === 'types') {
    return value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
  if (field === 'maxBytes' && /^\d+$/u.test(value.trim())) return Number(value.trim());
  return value;
}

/** Writes one cell into the text; the text is returned unchanged when it cannot be edited. */
export function editRule(text: string, index: number, field: RuleField, value: string): string {
  const doc = parsed(text);
  if (!doc) return text;
  if (value.trim() === '' && field !== 'id') doc.deleteIn(['rules', index, field]);
  else doc.setIn(['rules', index, field], cellValue(field, value));
  return doc.toString();
}

export function moveRule(text: string, index: number, by: -1 | 1): string {
  const doc = parsed(text);
  const rules = doc?.get('rules');
  if (!doc || !isSeq(rules)) return text;
  const to = index + by;
  if (to < 0 || to >= rules.items.length) return text;
  const [item] = rules.items.splice(index, 1);
  rules.items.splice(to, 0, item);
  return doc.toString();
}

export function removeRule(text: string, index: number): string {
  const doc = parsed(text);
  if (!doc) return text;
  doc.deleteIn(['rules', index]);
  return doc.toString();
}

/** A new rule at the end, denying by default: the administrator then edits its cells. */
export function addRule(text: string, id: string): string {
  const doc = parsed(text);
  if (!doc) return text;
  const rule = doc.createNode({
    id,
    kind: 'file',
    from: '*',
    to: '*',
    types: ['*/*'],
    action: 'deny',
  });
  if (isSeq(doc.get('rules'))) doc.addIn(['rules'], rule);
  else doc.set('rules', doc.createNode([rule]));
  return doc.toString();
}
