// Audit entries as CSV for spreadsheets: fixed columns first, the rest as JSON in one column.
// One format for `cloison audit … --csv` and the shell's audit viewer export; pure, no I/O.
import type { AuditEntry } from './methods.js';

const columns = [
  'seq',
  'time',
  'actor',
  'event',
  'kind',
  'from',
  'to',
  'decision',
  'rule',
  'reason',
] as const;

export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  // Quote always; double the quotes. A leading =,+,-,@ is prefixed so no spreadsheet runs it.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return `"${safe.replace(/"/g, '""')}"`;
}

export function toCsv(entries: readonly AuditEntry[]): string {
  const header = [...columns, 'details', 'hash'].join(',');
  const rows = entries.map((e) => {
    const rest: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(e)) {
      if (!(columns as readonly string[]).includes(k) && k !== 'hash' && k !== 'prev') rest[k] = v;
    }
    return [...columns.map((c) => csvCell(e[c])), csvCell(rest), csvCell(e.hash)].join(',');
  });
  return [header, ...rows].join('\n') + '\n';
}
