// The audit viewer's exports: the filtered entries as JSON Lines (exactly as the daemon sent them)
// and as CSV for spreadsheets, with cells that a spreadsheet would run as formulas defused.
import type { AuditEntry } from '../../../core/contract/methods.js';

export function toJsonLines(entries: readonly AuditEntry[]): string {
  return entries.map((e) => JSON.stringify(e)).join('\n') + (entries.length > 0 ? '\n' : '');
}

const COLUMNS = [
  'seq',
  'time',
  'actor',
  'event',
  'kind',
  'from',
  'to',
  'level',
  'decision',
  'rule',
  'reason',
  'transfer',
  'hash',
];

/** One CSV cell: quoted when needed; a leading = + - @ (or tab, CR) is prefixed with ' (CSV injection). */
export function csvCell(value: unknown): string {
  let text =
    value === undefined || value === null
      ? ''
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value);
  if (/^[=+\-@\t\r]/u.test(text)) text = `'${text}`;
  return /[",\n\r]/u.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The entries as CSV (RFC 4180, CRLF), the common fields as columns, the rest as JSON in `other`. */
export function toCsv(entries: readonly AuditEntry[]): string {
  const rows = [[...COLUMNS, 'other'].join(',')];
  for (const entry of entries) {
    const record = entry as Record<string, unknown>;
    const rule = record.rule ?? record.ruleId;
    const other = Object.fromEntries(
      Object.entries(record).filter(
        ([k]) => !COLUMNS.includes(k) && k !== 'ruleId' && k !== 'prev',
      ),
    );
    rows.push(
      [
        ...COLUMNS.map((c) => csvCell(c === 'rule' ? rule : record[c])),
        csvCell(Object.keys(other).length > 0 ? other : ''),
      ].join(','),
    );
  }
  return rows.join('\r\n') + '\r\n';
}
