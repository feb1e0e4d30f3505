import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Config, type Rule } from '../contract/config.js';
import { parseConfig } from '../config/parse.js';
import { defaultConfigFile } from '../config/load.js';
import { decide, type TransferRequest } from './decide.js';

const embedded = parseConfig({
  file: defaultConfigFile,
  text: readFileSync(defaultConfigFile, 'utf8'),
}).config;

/** Three levels a < b < c by rank, and d sharing b's rank. */
function small(rules: Partial<Rule>[]): Config {
  return Config.parse({
    levels: [
      { id: 'a', label: 'A', colour: '#000000', rank: 0 },
      { id: 'b', label: 'B', colour: '#000000', rank: 1 },
      { id: 'c', label: 'C', colour: '#000000', rank: 2 },
      { id: 'd', label: 'D', colour: '#000000', rank: 1 },
    ],
    rules: rules.map((r, i) => ({ id: `r${i}`, kind: 'clipboard', types: ['*/*'], ...r })),
  });
}

const clip = (from: string, to: string, type = 'text/plain', size = 10): TransferRequest => ({
  kind: 'clipboard',
  from,
  to,
  type,
  size,
});
const file = (from: string, to: string, type: string, size = 10): TransferRequest => ({
  kind: 'file',
  from,
  to,
  type,
  size,
});

describe('policy', () => {
  describe('with the embedded default configuration', () => {
    it.each([
      [clip('internet', 'office'), 'allow', 'text-up'],
      [clip('internet', 'restricted'), 'allow', 'text-up'],
      [clip('internet', 'office', 'text/plain', 65_536), 'allow', 'text-up'],
      [clip('internet', 'office', 'text/plain', 65_537), 'deny', 'text-up'],
      [clip('office', 'restricted', 'text/html'), 'allow', 'html-up-as-text'],
      [clip('office', 'internet'), 'deny', 'clipboard-down-denied'],
      [clip('restricted', 'internet', 'image/png'), 'deny', 'clipboard-down-denied'],
      [clip('internet', 'office', 'image/png'), 'deny', 'default-deny'],
      [file('internet', 'office', 'image/png'), 'ask', 'images-up'],
      [file('internet', 'office', 'image/svg+xml'), 'deny', 'default-deny'],
      [file('office', 'restricted', 'application/pdf'), 'ask', 'pdf-up'],
      [file('office', 'restricted', 'application/pdf', 104_857_601), 'deny', 'pdf-up'],
      [file('internet', 'office', 'text/plain'), 'ask', 'text-files-up'],
      [file('restricted', 'office', 'application/zip'), 'approve', 'files-down-approve'],
      [file('restricted', 'internet', 'image/png'), 'approve', 'files-down-approve'],
      [clip('office', 'office'), 'deny', 'same-level'],
      [clip('office', 'nowhere'), 'deny', 'no-such-level'],
    ] as const)('%o → %s by %s', (request, action, ruleId) => {
      const { decision } = decide(embedded, request);
      expect(decision.action).toBe(action);
      expect(decision.ruleId).toBe(ruleId);
    });
  });

  describe('when no rule matches', () => {
    it('denies and names the default', () => {
      const { decision, rule } = decide(embedded, clip('internet', 'office', 'image/png'));
      expect(decision).toEqual({
        action: 'deny',
        ruleId: 'default-deny',
        reason: 'no rule allows clipboard from internet to office for image/png',
      });
      expect(rule).toBeUndefined();
    });

    it('denies when there are no rules at all', () => {
      expect(decide(small([]), clip('a', 'b')).decision.ruleId).toBe('default-deny');
    });
  });

  describe('where "to" is resolved', () => {
    const config = small([
      { from: 'a', to: 'c', action: 'ask' },
      { from: '*', to: 'up', action: 'allow' },
      { from: 'c', to: 'down', action: 'approve' },
      { from: '*', to: '*', action: 'deny' },
    ]);
    it.each([
      ['a', 'c', 'ask', 'r0'],
      ['a', 'b', 'allow', 'r1'],
      ['b', 'c', 'allow', 'r1'],
      ['c', 'a', 'approve', 'r2'],
      ['c', 'd', 'approve', 'r2'],
      ['b', 'a', 'deny', 'r3'],
      // Equal ranks: neither up nor down, only "*" or an id matches.
      ['b', 'd', 'deny', 'r3'],
      ['d', 'b', 'deny', 'r3'],
    ] as const)('%s → %s: %s by %s', (from, to, action, ruleId) => {
      expect(decide(config, clip(from, to)).decision).toMatchObject({ action, ruleId });
    });
  });

  describe('where types are matched', () => {
    const config = small([
      { types: ['text/plain'], to: '*', from: '*', action: 'allow' },
      { types: ['image/*'], to: '*', from: '*', action: 'ask' },
      { types: ['*/*'], to: '*', from: '*', action: 'approve' },
    ]);
    it.each([
      ['text/plain', 'allow'],
      ['Text/Plain; charset=utf-8', 'allow'],
      ['text/html', 'approve'],
      ['image/png', 'ask'],
      ['image/svg+xml', 'ask'],
      ['application/octet-stream', 'approve'],
    ] as const)('%s → %s', (type, action) => {
      expect(decide(config, clip('a', 'b', type)).decision.action).toBe(action);
    });
  });

  describe('where a size limit is exceeded', () => {
    const config = small([
      { from: '*', to: 'up', types: ['text/plain'], maxBytes: 10_000, action: 'allow' },
      { from: '*', to: 'up', types: ['*/*'], action: 'allow' },
    ]);

    it('refuses whole under the limiting rule instead of falling through to a looser one', () => {
      expect(decide(config, clip('a', 'b', 'text/plain', 12_000)).decision).toEqual({
        action: 'deny',
        ruleId: 'r0',
        reason: '12000 bytes is over the 10000-byte limit of rule r0',
      });
    });

    it.each([
      [9_999, 'allow'],
      [10_000, 'allow'],
      [10_001, 'deny'],
    ] as const)('%i bytes → %s', (size, action) => {
      expect(decide(config, clip('a', 'b', 'text/plain', size)).decision.action).toBe(action);
    });

    it.each([[-1], [1.5], [Number.NaN]])('denies a size of %d that is not a byte count', (size) => {
      expect(decide(config, clip('a', 'b', 'text/plain', size)).decision.action).toBe('deny');
    });
  });

  describe('when several rules match', () => {
    it('the first one wins', () => {
      const config = small([
        { from: 'a', to: 'b', action: 'deny' },
        { from: '*', to: '*', action: 'allow' },
      ]);
      expect(decide(config, clip('a', 'b')).decision.ruleId).toBe('r0');
      expect(decide(config, clip('b', 'a')).decision.ruleId).toBe('r1');
    });

    it('kinds never mix', () => {
      const config = small([{ kind: 'file', from: '*', to: '*', action: 'allow' }]);
      expect(decide(config, clip('a', 'b')).decision.ruleId).toBe('default-deny');
      expect(decide(config, file('a', 'b', 'text/plain')).decision.ruleId).toBe('r0');
    });
  });

  describe('reasons', () => {
    it.each([
      ['allow', 'rule r0 allows clipboard from a to b for text/plain'],
      ['deny', 'rule r0 denies clipboard from a to b for text/plain'],
      ['ask', 'rule r0 allows clipboard from a to b for text/plain once the user confirms'],
      [
        'approve',
        'rule r0 allows clipboard from a to b for text/plain once an administrator approves',
      ],
    ] as const)('%s reads as a sentence', (action, reason) => {
      const config = small([{ from: '*', to: '*', action }]);
      expect(decide(config, clip('a', 'b')).decision.reason).toBe(reason);
    });

    it('names the sanitiser of an allowing rule', () => {
      const config = small([
        { from: '*', to: '*', action: 'allow', types: ['text/plain'], sanitise: 'plain-text' },
      ]);
      expect(decide(config, clip('a', 'b')).decision.reason).toBe(
        'rule r0 allows clipboard from a to b for text/plain, sanitised by plain-text',
      );
    });
  });
});
