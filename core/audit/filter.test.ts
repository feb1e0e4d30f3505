// The audit viewer's filter, as a table: each field narrows, and an entry without the field does not
// match a filter on it.
import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../contract/methods.js';
import { matchesFilter, type AuditFilter } from './filter.js';

const base = {
  seq: 1,
  time: '2026-12-03T10:00:00.000Z',
  prev: '0'.repeat(64),
  hash: '1'.repeat(64),
};
const delivered: AuditEntry = {
  ...base,
  actor: 'bob (user-3)',
  event: 'transfer.delivered',
  kind: 'file',
  from: 'internet',
  to: 'office',
  decision: 'allow',
  rule: 'png-up',
  items: [{ type: 'image/png', rule: 'png-up' }],
};
const denied: AuditEntry = {
  ...base,
  actor: 'bob (user-3)',
  event: 'transfer.denied',
  kind: 'clipboard',
  from: 'office',
  to: 'internet',
  decision: 'deny',
  rule: 'clipboard-down',
  items: [{ type: 'text/plain', rule: 'clipboard-down' }],
};
const login: AuditEntry = { ...base, actor: 'alice (user-4)', event: 'admin.login', role: 'admin' };
const started: AuditEntry = {
  ...base,
  actor: 'bob (user-3)',
  event: 'level.started',
  level: 'office',
};

describe('the audit filter', () => {
  it.each<[string, AuditFilter, AuditEntry[]]>([
    ['nothing: everything', {}, [delivered, denied, login, started]],
    ['a level as source, target or subject', { level: 'office' }, [delivered, denied, started]],
    ['a kind', { kind: 'clipboard' }, [denied]],
    ['a decision', { decision: 'deny' }, [denied]],
    ['a rule', { rule: 'png-up' }, [delivered]],
    ['part of the actor, in any case', { actor: 'ALICE' }, [login]],
    ['a family of events', { event: 'transfer' }, [delivered, denied]],
    ['an exact event', { event: 'transfer.denied' }, [denied]],
    ['not a prefix of a word', { event: 'trans' }, []],
    ['two fields at once', { level: 'office', decision: 'allow' }, [delivered]],
  ])('by %s', (_what, filter, expected) => {
    expect([delivered, denied, login, started].filter((e) => matchesFilter(e, filter))).toEqual(
      expected,
    );
  });
});
