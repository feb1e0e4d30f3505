import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultConfigFile } from './load.js';
import { parseConfig } from './parse.js';
import { ConfigError, type Problem } from './problems.js';

const defaultText = readFileSync(defaultConfigFile, 'utf8');

// Lines 1-9.
const levels = `levels:
  - id: low
    label: Low
    colour: "#000000"
    rank: 0
  - id: high
    label: High
    colour: "#ffffff"
    rank: 1
`;

/** One rule of `rules:`, written from its line 1 (`- id: …`); fields override the defaults. */
function rule(id: string, fields: Record<string, string> = {}): string {
  const all = {
    kind: 'clipboard',
    from: 'low',
    to: 'up',
    types: '[text/plain]',
    action: 'allow',
    ...fields,
  };
  return (
    `  - id: ${id}\n` +
    Object.entries(all)
      .filter(([, v]) => v !== '')
      .map(([k, v]) => `    ${k}: ${v}\n`)
      .join('')
  );
}

/** The problems parseConfig refuses the files with (fails the test if it accepts them). */
function problems(main: string, dropIns: Record<string, string> = {}): Problem[] {
  try {
    parseConfig(
      { file: 'main.yaml', text: main },
      Object.entries(dropIns).map(([file, text]) => ({ file, text })),
    );
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  throw new Error('the configuration was accepted');
}

describe('configuration', () => {
  describe('the embedded default', () => {
    it('loads with no warnings', () => {
      const loaded = parseConfig({ file: defaultConfigFile, text: defaultText });
      expect(loaded.warnings).toEqual([]);
      expect(loaded.config.rules.map((r) => r.id)).toEqual([
        'text-up',
        'html-up-as-text',
        'clipboard-down-denied',
        'images-up',
        'pdf-up',
        'text-files-up',
        'files-down-approve',
      ]);
      expect(loaded.digest).toMatch(/^[0-9a-f]{64}$/);
      expect(loaded.sources).toEqual([defaultConfigFile]);
      expect(loaded.origins.get('text-up')).toEqual({ file: defaultConfigFile, line: 58 });
    });

    it('has a digest that ignores key order, layout and comments', () => {
      const a = parseConfig({ file: 'a', text: `${levels}rules: []\n` });
      const b = parseConfig({
        file: 'b',
        text:
          '# comment\nrules: []\nlevels:\n  - {rank: 0, id: low, colour: "#000000", label: Low}\n' +
          '  - {id: high, label: High, colour: "#ffffff", rank: 1}\n',
      });
      expect(b.digest).toBe(a.digest);
      expect(
        parseConfig({ file: 'c', text: levels.replace('rank: 1', 'rank: 2') }).digest,
      ).not.toBe(a.digest);
    });
  });

  describe('when a key is misspelt', () => {
    it('points at the key itself and lists the keys of that object', () => {
      // Line 11 is "  - id: r", line 16 the misspelt "actoin".
      const text = `${levels}rules:\n${rule('r', { action: '' })}    actoin: allow\n`;
      expect(problems(text)).toEqual([
        {
          file: 'main.yaml',
          line: 11,
          column: 5,
          path: 'rules[0].action',
          message: 'missing key "action": expected one of allow, deny, ask, approve',
        },
        {
          file: 'main.yaml',
          line: 16,
          column: 5,
          path: 'rules[0].actoin',
          value: 'actoin',
          message:
            'unknown key "actoin"; did you mean "action"? (expected one of: id, description, kind, from, to, types, maxBytes, action, sanitise, quarantine)',
        },
      ]);
    });

    it('lists the allowed keys without a guess when none is near', () => {
      const [found] = problems(levels.replace('rank: 0', 'rank: 0\n    shade: dark'));
      expect(found).toMatchObject({
        line: 6,
        column: 5,
        path: 'levels[0].shade',
        message:
          'unknown key "shade" (expected one of: id, label, colour, rank, network, ephemeral, apps, stopWithLastApp, account, webPermissions)',
      });
    });
  });

  describe('when a value is misspelt', () => {
    it.each([
      ['kind', 'clipbaord', 12, 11, 'expected one of clipboard, file; did you mean "clipboard"?'],
      [
        'action',
        'alow',
        16,
        13,
        'expected one of allow, deny, ask, approve; did you mean "allow"?',
      ],
      ['to', 'Up', 14, 9, 'expected an id of 1 to 32 characters: a-z first, then a-z, 0-9 or -'],
      ['maxBytes', '1.5', 17, 15, 'expected a whole number, got the fraction 1.5'],
      ['maxBytes', '0', 17, 15, 'expected a number greater than 0'],
      ['types', '[]', 15, 12, 'expected at least 1 entry'],
    ])('%s: %s is refused at its line and column', (key, value, line, column, message) => {
      const text = `${levels}rules:\n${rule('r', { [key]: value })}`;
      expect(problems(text)).toEqual([
        expect.objectContaining({ line, column, path: `rules[0].${key}`, message }),
      ]);
    });

    it('suggests the nearest level for an unknown one', () => {
      const text = `${levels}rules:\n${rule('r', { from: 'lwo' })}`;
      expect(problems(text)).toEqual([
        {
          file: 'main.yaml',
          line: 13,
          column: 11,
          path: 'rules[0].from',
          value: 'lwo',
          message: 'unknown level "lwo"; did you mean "low"? (levels: low, high)',
        },
      ]);
    });

    it.each([
      [
        { types: '[image/pgn]' },
        'rules[0].types[0]',
        /^unknown type "image\/pgn"; did you mean "image\/png"\?/,
      ],
      [{ types: '[foo/*]' }, 'rules[0].types[0]', /no type Cloison detects starts with "foo\/"/],
      [
        { sanitise: 'plain-txt' },
        'rules[0].sanitise',
        /^unknown sanitiser "plain-txt"; did you mean "plain-text"\? \(known: plain-text, html-to-text, image-reencode, pdf-rasterise, office-to-pdf\)$/,
      ],
      [
        { types: '[image/*]', sanitise: 'image-reencode' },
        'rules[0].types[0]',
        /^"image\/\*" also covers types image-reencode does not accept \(such as image\/.+\): list the types instead, among image\/png, image\/jpeg, image\/gif, image\/webp$/,
      ],
      [
        { types: '[text/html]', sanitise: 'plain-text' },
        'rules[0].types[0]',
        /^sanitiser plain-text does not accept text\/html \(it accepts text\/plain\)$/,
      ],
      [
        { types: '[image/png]', sanitise: 'pdf-rasterise' },
        'rules[0].types[0]',
        /^sanitiser pdf-rasterise does not accept image\/png \(it accepts application\/pdf\)$/,
      ],
      [
        { types: '[application/pdf]', sanitise: 'office-to-pdf' },
        'rules[0].types[0]',
        /^sanitiser office-to-pdf does not accept application\/pdf \(it accepts application\/vnd\.oasis\.opendocument\.text, .*application\/x-cfb\)$/,
      ],
      [
        { types: '[text/plain]', sanitise: 'office-to-pdf' },
        'rules[0].types[0]',
        /^sanitiser office-to-pdf does not accept text\/plain/,
      ],
      [
        { types: '[application/*]', sanitise: 'pdf-rasterise' },
        'rules[0].types[0]',
        /^"application\/\*" also covers types pdf-rasterise does not accept/,
      ],
      [{ to: 'low' }, 'rules[0].to', /same level as "from"/],
      [
        { kind: 'clipboard', types: '[text/plain]', sanitise: 'plain-text', quarantine: 'true' },
        'rules[0].quarantine',
        /^quarantine keeps files only/,
      ],
      [
        { kind: 'file', types: '[application/pdf]', quarantine: 'true' },
        'rules[0].quarantine',
        /^quarantine needs a sanitiser/,
      ],
    ])('refuses %o', (fields, path, message) => {
      const text = `${levels}rules:\n${rule('r', fields)}`;
      expect(problems(text)).toEqual([
        expect.objectContaining({ path, message: expect.stringMatching(message) }),
      ]);
    });
  });

  it.each([
    [{ types: '[application/pdf]', sanitise: 'pdf-rasterise' }],
    [{ types: '[application/pdf]', sanitise: 'pdf-rasterise', quarantine: 'true' }],
    [
      {
        types:
          '[application/vnd.openxmlformats-officedocument.wordprocessingml.document, application/vnd.oasis.opendocument.text]',
        sanitise: 'office-to-pdf',
      },
    ],
    // Spreadsheets and presentations, OpenDocument, OOXML and legacy (OLE) alike.
    [
      {
        types:
          '[application/vnd.oasis.opendocument.spreadsheet, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, application/vnd.oasis.opendocument.presentation, application/vnd.openxmlformats-officedocument.presentationml.presentation, application/x-cfb]',
        sanitise: 'office-to-pdf',
      },
    ],
  ])('takes a document sanitiser on the types it accepts: %o', (fields) => {
    const text = `${levels}rules:\n${rule('r', { kind: 'file', ...fields })}`;
    const loaded = parseConfig({ file: 'main.yaml', text });
    expect(loaded.config.rules[0]?.sanitise).toBe(fields.sanitise);
  });

  it('refuses a rule id reserved for the broker', () => {
    expect(problems(`${levels}rules:\n${rule('default-deny')}`)).toEqual([
      expect.objectContaining({
        path: 'rules[0].id',
        message: expect.stringMatching(/^rule id "default-deny" is reserved/),
      }),
    ]);
  });

  describe('levels and apps', () => {
    it('refuses a level id used twice, naming the first', () => {
      const found = problems(levels.replace('id: high', 'id: low'));
      expect(found).toEqual([
        expect.objectContaining({
          line: 6,
          column: 9,
          path: 'levels[1].id',
          message: 'level id "low" is already used by the level at main.yaml:2',
        }),
      ]);
    });

    it('refuses an app id used twice in one level', () => {
      const apps = `    apps:\n      - {id: t, label: T, type: native, argv: [xterm]}\n      - {id: t, label: T2, type: native, argv: [xterm]}\n`;
      const found = problems(levels.replace('rank: 0\n', `rank: 0\n${apps}`));
      expect(found).toEqual([expect.objectContaining({ line: 8, path: 'levels[0].apps[1].id' })]);
    });

    it('refuses a web app origin with a path', () => {
      const apps = `    apps:\n      - id: w\n        label: W\n        type: web\n        url: https://example.org/\n        origins: [https://example.org/wiki]\n`;
      const found = problems(levels.replace('rank: 0\n', `rank: 0\n${apps}`));
      expect(found).toEqual([
        expect.objectContaining({
          line: 11,
          column: 19,
          path: 'levels[0].apps[0].origins[0]',
          message: expect.stringContaining('did you mean "https://example.org"?'),
        }),
      ]);
    });

    it('allows two levels of the same rank, with a warning that up and down skip them', () => {
      const loaded = parseConfig({ file: 'main.yaml', text: levels.replace('rank: 1', 'rank: 0') });
      expect(loaded.warnings).toEqual([
        'main.yaml:9: levels low and high share rank 0: "up" and "down" rules never match between them, only rules naming them or "*" do',
      ]);
    });

    it('warns about unreachable rules with their file and line', () => {
      const text = `${levels}rules:\n${rule('a', { from: '"*"', to: '"*"' })}${rule('b')}`;
      expect(parseConfig({ file: 'main.yaml', text }).warnings).toEqual([
        'main.yaml:17: rule b can never match: the earlier rule a matches every transfer it matches (first match wins)',
      ]);
    });
  });

  describe('rules.d drop-ins', () => {
    it('appends their rules in the order given, remembering where each was written', () => {
      const loaded = parseConfig({ file: 'main.yaml', text: `${levels}rules:\n${rule('m')}` }, [
        { file: '10-a.yaml', text: `rules:\n${rule('a', { types: '[text/html]' })}` },
        { file: '20-b.yaml', text: `# b\nrules:\n${rule('b', { types: '[image/png]' })}` },
      ]);
      expect(loaded.config.rules.map((r) => r.id)).toEqual(['m', 'a', 'b']);
      expect(loaded.sources).toEqual(['main.yaml', '10-a.yaml', '20-b.yaml']);
      expect(loaded.origins.get('b')).toEqual({ file: '20-b.yaml', line: 3 });
    });

    it('refuses a rule id used twice across files, naming the first', () => {
      const found = problems(`${levels}rules:\n${rule('same')}`, {
        'extra.yaml': `rules:\n${rule('same', { types: '[text/html]' })}`,
      });
      expect(found).toEqual([
        expect.objectContaining({
          file: 'extra.yaml',
          line: 2,
          column: 9,
          path: 'rules[0].id',
          message: 'rule id "same" is already used by the rule at main.yaml:11',
        }),
      ]);
    });

    it('refuses everything when one drop-in is broken', () => {
      const found = problems(`${levels}rules:\n${rule('m')}`, {
        'good.yaml': `rules:\n${rule('g', { types: '[text/html]' })}`,
        'bad.yaml': 'rules:\n  - id: b\n    levels: []\n',
      });
      expect(new Set(found.map((p) => p.file))).toEqual(new Set(['bad.yaml']));
      expect(found.map((p) => p.path)).toContain('rules[0].levels');
    });

    it('accepts only rules in a drop-in', () => {
      const found = problems(levels, { 'x.yaml': `${levels}rules: []\n` });
      expect(found).toEqual([
        expect.objectContaining({ file: 'x.yaml', line: 1, column: 1, path: 'levels' }),
      ]);
    });
  });

  describe('YAML itself', () => {
    it.each([
      ['a syntax error', 'levels: [\n  - a\n', 2, 3, /^YAML syntax/],
      ['a duplicate key', `${levels}levels: []\n`, 10, 1, /^key "levels" is written twice/],
      ['a tab as indentation', 'levels:\n\t- a\n', 2, 1, /indent with spaces/],
      ['a second document', `${levels}---\nrules: []\n`, 10, 1, /a second YAML document/],
      [
        'an anchor (at its node)',
        `${levels}rules:\n  - &r\n    id: x\n`,
        12,
        5,
        /anchor "&r" is refused/,
      ],
      ['a merge key', `${levels}rules:\n  - <<: {id: x}\n`, 11, 5, /merge key "<<" is refused/],
      ['a tag', `${levels}rules: !!binary aGk=\n`, 10, 17, /tag "!!binary" is refused/],
      ['a collection as key', `${levels}? [a]\n: 1\n`, 10, 3, /a key must be a plain word/],
    ])('refuses %s at its position', (_name, text, line, column, message) => {
      expect(problems(text)).toContainEqual(
        expect.objectContaining({ line, column, message: expect.stringMatching(message) }),
      );
    });

    it('refuses an alias, and still checks the rest of the file', () => {
      const text = `${levels.replace('label: Low', 'label: &l Low').replace('label: High', 'label: *l')}rules:\n${rule('r', { kind: 'clipbaord' })}`;
      const found = problems(text);
      expect(found.map((p) => [p.line, p.column, p.message.slice(0, 12)])).toEqual([
        [3, 15, 'anchor "&l" '],
        [7, 12, 'alias "*l" i'],
        [12, 11, 'expected one'],
      ]);
    });

    it('refuses an empty file, saying what was expected', () => {
      expect(problems('')).toEqual([
        {
          file: 'main.yaml',
          line: 1,
          column: 1,
          path: '',
          message: 'expected a mapping of keys to values, got nothing',
        },
      ]);
    });

    it('keeps a key named __proto__ as a key, and refuses it as unknown', () => {
      expect(problems(`${levels}__proto__: {rules: []}\n`)).toEqual([
        expect.objectContaining({ line: 10, column: 1, path: '__proto__' }),
      ]);
    });
  });

  describe('the error', () => {
    it('lists every problem as file:line:column: path: value: message', () => {
      const text = `${levels}rules:\n${rule('r', { kind: 'clipbaord', action: 'alow' })}`;
      try {
        parseConfig({ file: 'main.yaml', text });
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).code).toBe('INVALID_CONFIG');
        expect((error as ConfigError).message).toBe(
          'The configuration is refused (2 problems):\n' +
            '  main.yaml:12:11: rules[0].kind: "clipbaord": expected one of clipboard, file; did you mean "clipboard"?\n' +
            '  main.yaml:16:13: rules[0].action: "alow": expected one of allow, deny, ask, approve; did you mean "allow"?',
        );
      }
    });
  });
});

describe('levels sharing the host network', () => {
  it('warns, naming both, that their apps can reach each other around the broker', () => {
    const text = `levels:
  - { id: a, label: A, colour: "#aa0000", rank: 0, network: host }
  - { id: b, label: B, colour: "#00aa00", rank: 1, network: none }
  - { id: c, label: C, colour: "#0000aa", rank: 2, network: host }
`;
    const loaded = parseConfig({ file: 'three.yaml', text });
    expect(loaded.warnings).toEqual([
      expect.stringMatching(/^three\.yaml:4: levels a and c both use the host's network/),
    ]);
  });
});
