// Invariant 2 against a real daemon: a rules file that does not validate is refused whole, with
// the file and line, the refusal is audited, and the previous rules stay in force.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type TestDaemon } from '../testing/daemon.js';
import { testConfig } from '../testing/configs.js';

describe('configuration reload', () => {
  let daemon: TestDaemon;
  beforeAll(async () => {
    daemon = await startDaemon({ config: testConfig });
  });
  afterAll(async () => {
    await daemon.cleanup();
  });

  describe('when a drop-in rules file has a typo', () => {
    it('is refused with file:line:column, audited, and the old rules keep working', async () => {
      const dropIn = join(daemon.configFile, '..', 'rules.d', '50-extra.yaml');
      // A typo in an action that would otherwise allow everything down: must not half-apply.
      writeFileSync(
        dropIn,
        [
          'rules:',
          '  - id: everything-down',
          '    kind: clipboard',
          '    from: "*"',
          '    to: down',
          '    types: ["*/*"]',
          '    action: alow',
          '',
        ].join('\n'),
      );
      const reload = await daemon.cli(['reload'], { actor: 'root' });
      expect(reload.code).toBe(6);
      expect(reload.stderr).toContain('50-extra.yaml:7:13');
      expect(reload.stderr).toContain('alow');
      const tail = JSON.parse(
        (await daemon.cli(['--json', 'audit', 'tail', '-n', '1'])).text.trim(),
      ) as Record<string, unknown>;
      expect(tail.event).toBe('config.refused');

      // The previous rules are still in force: text up allowed, clipboard down denied.
      const up = await daemon.cli(['clip', 'send', '--from', 'low', '--to', 'mid'], {
        stdin: 'up',
      });
      expect(up.code).toBe(0);
      const down = await daemon.cli(['clip', 'send', '--from', 'high', '--to', 'low'], {
        stdin: 'down',
      });
      expect(down.code).toBe(3);
    });
  });

  describe('when the configuration is valid', () => {
    it('applies it and audits the change with both digests', async () => {
      const before = JSON.parse((await daemon.cli(['--json', 'status'])).text) as {
        config: { digest: string };
      };
      writeFileSync(
        join(daemon.configFile, '..', 'rules.d', '50-extra.yaml'),
        [
          'rules:',
          '  - id: text-down-allowed',
          '    kind: clipboard',
          '    from: high',
          '    to: low',
          '    types: [text/plain]',
          '    action: allow',
          '',
        ].join('\n'),
      );
      const reload = await daemon.cli(['--json', 'reload'], { actor: 'root' });
      expect(reload.code).toBe(0);
      const tail = JSON.parse(
        (await daemon.cli(['--json', 'audit', 'tail', '-n', '1'])).text.trim(),
      ) as Record<string, unknown>;
      expect(tail).toMatchObject({ event: 'config.reloaded', previous: before.config.digest });
      // Drop-ins come after the main file: the main file's clipboard-down denial still wins.
      expect(
        (await daemon.cli(['clip', 'send', '--from', 'high', '--to', 'low'], { stdin: 'x' })).code,
      ).toBe(3);
      const check = await daemon.cli(['policy', 'check', daemon.configFile]);
      expect(check.code).toBe(0);
      expect(check.text).toContain('text-down-allowed');
    });
  });
});
