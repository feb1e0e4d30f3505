import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfigFile, loadConfig } from './load.js';
import { ConfigError } from './problems.js';

const levels = `levels:
  - {id: low, label: Low, colour: "#000000", rank: 0}
  - {id: high, label: High, colour: "#ffffff", rank: 1}
`;
const ruleFile = (id: string, type: string): string =>
  `rules:\n  - {id: ${id}, kind: clipboard, from: low, to: up, types: [${type}], action: allow}\n`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cloison-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function loadError(file: string, options?: { rulesDir?: string }): Promise<ConfigError> {
  try {
    await loadConfig(file, options);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('the configuration was accepted');
}

describe('configuration files', () => {
  it('finds the embedded default from the package root', async () => {
    expect(defaultConfigFile).toMatch(/[/\\]assets[/\\]default-config\.yaml$/);
    const loaded = await loadConfig(defaultConfigFile);
    expect(loaded.warnings).toEqual([]);
    expect(loaded.sources).toEqual([defaultConfigFile]);
  });

  describe('rules.d beside the main file', () => {
    it('reads *.yaml and *.yml in byte order and warns about every other name', async () => {
      const main = join(dir, 'config.yaml');
      await writeFile(main, levels);
      await mkdir(join(dir, 'rules.d'));
      await mkdir(join(dir, 'rules.d', 'folder.yaml'));
      await writeFile(join(dir, 'rules.d', 'b.yml'), ruleFile('b', 'text/html'));
      await writeFile(join(dir, 'rules.d', 'B.yaml'), ruleFile('upper-b', 'image/png'));
      await writeFile(join(dir, 'rules.d', 'a.yaml'), ruleFile('a', 'text/plain'));
      await writeFile(join(dir, 'rules.d', '.hidden.yaml'), 'not: [valid');
      await writeFile(join(dir, 'rules.d', 'notes.txt'), 'not yaml');
      await writeFile(join(dir, 'rules.d', 'a.yaml~'), 'backup');

      const loaded = await loadConfig(main);
      // Byte order: upper case before lower case.
      expect(loaded.config.rules.map((r) => r.id)).toEqual(['upper-b', 'a', 'b']);
      expect(loaded.sources).toEqual([
        main,
        join(dir, 'rules.d', 'B.yaml'),
        join(dir, 'rules.d', 'a.yaml'),
        join(dir, 'rules.d', 'b.yml'),
      ]);
      expect(loaded.origins.get('a')).toEqual({ file: join(dir, 'rules.d', 'a.yaml'), line: 2 });
      expect(loaded.warnings).toEqual([
        `${join(dir, 'rules.d', '.hidden.yaml')}: ignored: only *.yaml and *.yml files that do not start with "." are read`,
        `${join(dir, 'rules.d', 'a.yaml~')}: ignored: only *.yaml and *.yml files that do not start with "." are read`,
        `${join(dir, 'rules.d', 'folder.yaml')}: ignored: not a regular file`,
        `${join(dir, 'rules.d', 'notes.txt')}: ignored: only *.yaml and *.yml files that do not start with "." are read`,
      ]);
    });

    it('refuses the whole configuration when one drop-in is broken', async () => {
      const main = join(dir, 'config.yaml');
      await writeFile(main, levels);
      await mkdir(join(dir, 'rules.d'));
      await writeFile(join(dir, 'rules.d', '10-good.yaml'), ruleFile('good', 'text/plain'));
      await writeFile(join(dir, 'rules.d', '20-bad.yaml'), 'rules:\n  - id: [\n');
      const error = await loadError(main);
      expect(error.problems.map((p) => p.file)).toEqual([join(dir, 'rules.d', '20-bad.yaml')]);
      expect(error.message).toContain(`${join(dir, 'rules.d', '20-bad.yaml')}:`);
    });

    it('reads another folder when asked', async () => {
      const main = join(dir, 'config.yaml');
      await writeFile(main, levels);
      await mkdir(join(dir, 'other'));
      await writeFile(join(dir, 'other', 'x.yaml'), ruleFile('x', 'text/plain'));
      const loaded = await loadConfig(main, { rulesDir: join(dir, 'other') });
      expect(loaded.config.rules.map((r) => r.id)).toEqual(['x']);
    });
  });

  describe('when a file cannot be read', () => {
    it('names the main file', async () => {
      const missing = join(dir, 'missing.yaml');
      const error = await loadError(missing);
      expect(error.code).toBe('INVALID_CONFIG');
      expect(error.problems).toEqual([
        {
          file: missing,
          line: 0,
          column: 0,
          path: '',
          message: 'cannot be read: no such file or folder',
        },
      ]);
      expect(error.message).toContain(`${missing}: cannot be read`);
    });

    it('names a rules folder that is not a folder', async () => {
      const main = join(dir, 'config.yaml');
      await writeFile(main, levels);
      await writeFile(join(dir, 'rules.d'), 'a file');
      const error = await loadError(main);
      expect(error.problems[0]?.file).toBe(join(dir, 'rules.d'));
    });
  });

  it('loads the same digest as the text it read', async () => {
    const main = join(dir, 'config.yaml');
    await writeFile(main, await readFile(defaultConfigFile, 'utf8'));
    expect((await loadConfig(main)).digest).toBe((await loadConfig(defaultConfigFile)).digest);
  });
});
