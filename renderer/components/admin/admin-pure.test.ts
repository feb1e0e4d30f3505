// The admin console's pure parts as tables: the exports (CSV quoting and formula defusing, JSON
// Lines as sent) and the rules table's edits written back into the text, comments kept.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../core/contract/methods.js';
import { csvCell, toCsv, toJsonLines } from './export.js';
import { addRule, editRule, moveRule, removeRule, ruleRows } from './rules-table.js';

const H = 'b'.repeat(64);
const entry = (over: Record<string, unknown>): AuditEntry => ({
  seq: 1,
  time: '2026-12-04T01:00:00.000Z',
  actor: 'bob',
  event: 'transfer.denied',
  prev: H,
  hash: H,
  ...over,
});

describe('audit exports', () => {
  it.each([
    ['plain', '"plain"'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['=HYPERLINK("x")', `"'=HYPERLINK(""x"")"`],
    ['+1', `"'+1"`],
    ['-1', `"'-1"`],
    ['@SUM(A1)', `"'@SUM(A1)"`],
    [undefined, ''],
    [42, '"42"'],
  ])('writes %j as the cell %s', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it('never lets a cell start a formula, whatever the text', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const cell = csvCell(s).replace(/^"/u, '');
        expect(/^[=+\-@\t\r]/u.test(cell)).toBe(false);
      }),
    );
  });

  it('has a header and one row per entry; JSON Lines holds each entry as sent', () => {
    const entries = [
      entry({ rule: 'r1', decision: 'deny' }),
      entry({ seq: 2, event: 'config.changed', reason: 'why, then' }),
    ];
    const csv = toCsv(entries).split('\n');
    expect(csv[0]).toBe('seq,time,actor,event,kind,from,to,decision,rule,reason,details,hash');
    expect(csv).toHaveLength(4); // header, two rows, the final empty line
    expect(csv[2]).toContain('"why, then"');
    expect(
      toJsonLines(entries)
        .split('\n')
        .slice(0, 2)
        .map((l) => JSON.parse(l) as unknown),
    ).toEqual(entries);
    expect(toJsonLines([])).toBe('');
  });
});

const TEXT = `# the office's rules
levels:
  - { id: a, label: A, colour: "#000000", rank: 0 }
rules:
  # first
  - id: one
    kind: file
    from: "*"
    to: up
    types: [image/png]
    action: allow
  - id: two
    kind: clipboard
    from: a
    to: "*"
    types: [text/plain, text/html]
    maxBytes: 100
    action: deny
`;

describe('the rules table', () => {
  it('shows each rule as a row, in order', () => {
    expect(ruleRows(TEXT)?.map((r) => [r.id, r.kind, r.types, r.maxBytes, r.action])).toEqual([
      ['one', 'file', 'image/png', '', 'allow'],
      ['two', 'clipboard', 'text/plain, text/html', '100', 'deny'],
    ]);
  });

  it('shows nothing for a text that is not YAML, rather than a guess', () => {
    expect(ruleRows('rules: [')).toBeUndefined();
  });

  it('writes a cell back into the text, keeping the comments', () => {
    const edited = editRule(TEXT, 1, 'types', 'text/plain');
    expect(edited).toContain("# the office's rules");
    expect(edited).toContain('# first');
    expect(ruleRows(edited)?.[1]?.types).toBe('text/plain');
    expect(ruleRows(editRule(TEXT, 1, 'maxBytes', '2048'))?.[1]?.maxBytes).toBe('2048');
    // An emptied optional cell removes the key.
    expect(editRule(TEXT, 1, 'maxBytes', '')).not.toContain('maxBytes');
  });

  it('moves, removes and adds rules', () => {
    expect(ruleRows(moveRule(TEXT, 1, -1))?.map((r) => r.id)).toEqual(['two', 'one']);
    expect(moveRule(TEXT, 0, -1)).toBe(TEXT);
    expect(ruleRows(removeRule(TEXT, 0))?.map((r) => r.id)).toEqual(['two']);
    const added = ruleRows(addRule(TEXT, 'three'));
    expect(added?.at(-1)).toMatchObject({ id: 'three', action: 'deny' });
  });

  it('leaves a text it cannot parse as it is', () => {
    expect(editRule('rules: [', 0, 'action', 'allow')).toBe('rules: [');
  });
});
