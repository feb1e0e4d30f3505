import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { Config } from '../contract/config.js';
import { defaultConfigFile } from './load.js';
import { parseConfig } from './parse.js';
import { ConfigError } from './problems.js';

const defaultText = readFileSync(defaultConfigFile, 'utf8');

/** Parses, and returns what was thrown: only ConfigError is allowed. */
function thrown(text: string, dropIn?: string): unknown {
  try {
    parseConfig(
      { file: 'main.yaml', text },
      dropIn === undefined ? [] : [{ file: 'd.yaml', text: dropIn }],
    );
    return undefined;
  } catch (error) {
    return error;
  }
}

const id = fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/);
const label = fc.string({ minLength: 1, maxLength: 64 });
const colour = fc.stringMatching(/^#[0-9a-f]{6}$/);

/** Valid configurations: unique ids, known types, sanitisers that accept their rule's types. */
const validConfig = fc.uniqueArray(id, { minLength: 1, maxLength: 4 }).chain((levelIds) =>
  fc.record({
    levels: fc.tuple(
      ...levelIds.map((levelId, rank) =>
        fc.record(
          {
            id: fc.constant(levelId),
            label,
            colour,
            rank: fc.constant(rank * 10),
            network: fc.constantFrom('none', 'host'),
            ephemeral: fc.boolean(),
            apps: fc.uniqueArray(
              fc.oneof(
                fc.record({
                  id,
                  label,
                  type: fc.constant('web'),
                  url: fc.constantFrom(
                    'https://example.org/',
                    'http://intranet.example:8080/a?b=c',
                  ),
                  origins: fc.subarray(['https://example.org', 'http://localhost:3000']),
                }),
                fc.record({
                  id,
                  label,
                  type: fc.constant('native'),
                  argv: fc.array(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 3 }),
                }),
              ),
              { selector: (app) => app.id, maxLength: 3 },
            ),
          },
          { requiredKeys: ['id', 'label', 'colour', 'rank'] },
        ),
      ),
    ),
    rules: fc.uniqueArray(
      fc
        .record(
          {
            id: id.filter((r) => !['default-deny', 'same-level', 'no-such-level'].includes(r)),
            description: fc.string({ maxLength: 200 }),
            kind: fc.constantFrom('clipboard', 'file'),
            from: fc.constantFrom('*', ...levelIds),
            to: fc.constantFrom('*', 'up', 'down', ...levelIds),
            maxBytes: fc.integer({ min: 1, max: 2 ** 40 }),
            action: fc.constantFrom('allow', 'deny', 'ask', 'approve'),
            pick: fc.constantFrom(
              { types: ['text/plain'], sanitise: 'plain-text' },
              { types: ['text/html'], sanitise: 'html-to-text' },
              { types: ['image/png', 'image/webp'], sanitise: 'image-reencode' },
              { types: ['*/*'] },
              { types: ['text/*', 'application/pdf'] },
            ),
          },
          { requiredKeys: ['id', 'kind', 'from', 'to', 'action', 'pick'] },
        )
        .filter((r) => r.from === '*' || r.from !== r.to)
        .map(({ pick, ...rule }) => ({ ...rule, ...pick })),
      { selector: (rule) => rule.id, maxLength: 6 },
    ),
  }),
);

describe('configuration parser', () => {
  it('throws nothing but ConfigError on arbitrary text', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 300 }),
        fc.option(fc.string({ maxLength: 100 })),
        (text, dropIn) => {
          const error = thrown(text, dropIn ?? undefined);
          expect(error === undefined || error instanceof ConfigError).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('throws nothing but ConfigError on the default configuration cut or spliced anywhere', () => {
    fc.assert(
      fc.property(
        fc.nat(defaultText.length),
        fc.nat(defaultText.length),
        fc.string({ maxLength: 20 }),
        (start, length, insert) => {
          const text =
            defaultText.slice(0, start) + insert + defaultText.slice(start + (length % 40));
          const error = thrown(text);
          expect(error === undefined || error instanceof ConfigError).toBe(true);
          if (error instanceof ConfigError) {
            expect(error.problems.length).toBeGreaterThan(0);
            for (const p of error.problems) {
              expect(p.line).toBeGreaterThanOrEqual(1);
              expect(p.column).toBeGreaterThanOrEqual(1);
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  // aliasDuplicateObjects: false, as an administrator writes it; anchors and aliases are refused.
  it('round-trips valid configurations through YAML to the same configuration', () => {
    fc.assert(
      fc.property(validConfig, (generated) => {
        const loaded = parseConfig({
          file: 'main.yaml',
          text: stringify(generated, { aliasDuplicateObjects: false }),
        });
        expect(loaded.config).toEqual(Config.parse(generated));
      }),
      { numRuns: 200 },
    );
  });
});
