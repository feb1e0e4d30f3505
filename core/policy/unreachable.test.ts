import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Config, type Rule } from '../contract/config.js';
import { defaultConfigFile } from '../config/load.js';
import { parseConfig } from '../config/parse.js';
import { patternCovers, unreachableRules } from './unreachable.js';

function small(rules: Partial<Rule>[]): Config {
  return Config.parse({
    levels: [
      { id: 'a', label: 'A', colour: '#000000', rank: 0 },
      { id: 'b', label: 'B', colour: '#000000', rank: 1 },
      { id: 'c', label: 'C', colour: '#000000', rank: 2 },
    ],
    rules: rules.map((r, i) => ({
      id: `r${i}`,
      kind: 'clipboard',
      from: '*',
      to: '*',
      types: ['*/*'],
      action: 'allow',
      ...r,
    })),
  });
}

describe('policy', () => {
  describe('unreachable rules', () => {
    it('finds none in the embedded default', () => {
      const { config } = parseConfig({
        file: defaultConfigFile,
        text: readFileSync(defaultConfigFile, 'utf8'),
      });
      expect(unreachableRules(config)).toEqual([]);
    });

    it.each<[string, Partial<Rule>[], string[] | undefined]>([
      ['"*" to "*" shadows anything after it', [{}, { from: 'a', to: 'up' }], ['r0']],
      ['"up" shadows a fixed pair that goes up', [{ to: 'up' }, { from: 'a', to: 'c' }], ['r0']],
      [
        '"up" does not shadow a fixed pair going down',
        [{ to: 'up' }, { from: 'c', to: 'a' }],
        undefined,
      ],
      [
        '"up" from a shadows "*" from a',
        [
          { from: 'a', to: 'up' },
          { from: 'a', to: '*' },
        ],
        ['r0'],
      ],
      [
        '"up" from b does not shadow "*" from b',
        [
          { from: 'b', to: 'up' },
          { from: 'b', to: '*' },
        ],
        undefined,
      ],
      [
        'up and down together shadow "*"',
        [{ to: 'up' }, { to: 'down' }, { to: '*' }],
        ['r0', 'r1'],
      ],
      ['another kind shadows nothing', [{ kind: 'file' }, {}], undefined],
      ['text/* shadows text/plain', [{ types: ['text/*'] }, { types: ['text/plain'] }], ['r0']],
      [
        'text/plain does not shadow text/*',
        [{ types: ['text/plain'] }, { types: ['text/*'] }],
        undefined,
      ],
      [
        'exact types never shadow a wildcard',
        [{ types: ['image/png', 'image/jpeg', 'image/gif'] }, { types: ['image/*'] }],
        undefined,
      ],
      [
        'a size limit still shadows: over it, the earlier rule denies',
        [{ maxBytes: 10 }, { maxBytes: 1000 }],
        ['r0'],
      ],
      ['"up" from the top level never matches', [{ from: 'c', to: 'up' }], []],
    ])('%s', (_name, rules, shadowedBy) => {
      const last = `r${rules.length - 1}`;
      const found = unreachableRules(small(rules)).find((u) => u.ruleId === last);
      expect(found?.shadowedBy).toEqual(shadowedBy);
    });

    it('explains itself', () => {
      expect(unreachableRules(small([{}, { from: 'a' }]))[0]?.message).toBe(
        'rule r1 can never match: the earlier rule r0 matches every transfer it matches (first match wins)',
      );
    });
  });

  describe('type pattern coverage', () => {
    it.each([
      ['*/*', '*/*', true],
      ['*/*', 'text/*', true],
      ['text/*', 'text/plain', true],
      ['text/*', 'text/*', true],
      ['text/*', '*/*', false],
      ['text/*', 'image/png', false],
      ['text/plain', 'text/*', false],
      ['text/plain', 'text/plain', true],
    ] as const)('%s covers %s: %s', (outer, inner, covers) => {
      expect(patternCovers(outer, inner)).toBe(covers);
    });
  });
});
