// Invariant 2 against a real daemon: a rules file that does not validate is refused whole, with
// the file and line, the refusal is audited, and the previous rules stay in force.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type TestDaemon } from '../testing/daemon.js';
import { testConfig } from '../testing/configs.js';

const pdfCase = '/work/shared/cases/documents/tracemonkey.pdf';

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

describe('configuration reload with transfers waiting', () => {
  let daemon: TestDaemon;
  beforeAll(async () => {
    daemon = await startDaemon({ config: testConfig });
  });
  afterAll(async () => {
    await daemon.cleanup();
  });

  async function send(from: string, to: string, name: string, actor: string) {
    const sent = await daemon.cli(['--json', 'files', 'send', '--from', from, '--to', to, name], {
      actor,
    });
    expect(sent.code).toBe(4);
    return (JSON.parse(sent.text) as { id: string }).id;
  }

  describe('when the new rules deny what a waiting transfer would deliver', () => {
    it('ends it, audits and announces why; one the rules still decide alike keeps waiting', async () => {
      const low = daemon.home('low');
      const high = daemon.home('high');
      writeFileSync(join(low, 'paper.pdf'), readFileSync(pdfCase));
      writeFileSync(join(high, 'report.txt'), 'declassified summary');
      const asked = await send('low', 'mid', 'paper.pdf', 'alice');
      const queued = await send('high', 'low', 'report.txt', 'carol');

      const watcher = await daemon.client('user');
      await watcher.call('events.subscribe', {});
      const seen: unknown[] = [];
      watcher.onEvent((e) => seen.push(e));

      // PDFs up were on ask; now they are denied. Files down stay reserved for an administrator.
      const pdfAsk = '    types: [application/pdf]\n    action: ask';
      expect(testConfig).toContain(pdfAsk);
      writeFileSync(
        daemon.configFile,
        testConfig.replace(pdfAsk, '    types: [application/pdf]\n    action: deny'),
      );
      expect((await daemon.cli(['reload'], { actor: 'root' })).code).toBe(0);

      const confirm = await daemon.cli(['transfers', 'confirm', asked]);
      expect(confirm.code).toBe(1);
      expect(existsSync(join(daemon.home('mid'), 'Incoming/low/paper.pdf'))).toBe(false);
      const shown = JSON.parse((await daemon.cli(['--json', 'transfers', 'show', asked])).text) as {
        status: string;
        outcome: string;
        decision: { action: string; ruleId: string };
      };
      expect(shown).toMatchObject({
        status: 'cancelled',
        decision: { action: 'deny', ruleId: 'pdf-up-ask' },
      });
      expect(shown.outcome).toMatch(/^the rules changed: /);

      const entries = (await daemon.cli(['--json', 'audit', 'tail', '-n', '20'])).text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(entries).toContainEqual(
        expect.objectContaining({
          event: 'transfer.cancelled',
          transfer: asked,
          rule: 'pdf-up-ask',
          decision: 'deny',
          previousDecision: 'ask',
        }),
      );
      expect(entries.filter((e) => e.transfer === queued).map((e) => e.event)).toEqual([
        'transfer.pending',
      ]);
      await new Promise((r) => setTimeout(r, 200));
      expect(seen).toContainEqual({
        type: 'transfer.updated',
        transfer: expect.objectContaining({ id: asked, status: 'cancelled' }) as unknown,
      });
      watcher.close();

      const approved = await daemon.cli(['approvals', 'approve', queued, '--reason', 'checked'], {
        actor: 'dave',
      });
      expect(approved.code).toBe(0);
      expect(readFileSync(join(low, 'Incoming/high/report.txt'), 'utf8')).toBe(
        'declassified summary',
      );
    });
  });
});
