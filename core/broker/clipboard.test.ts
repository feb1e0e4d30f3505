// Clipboard transfers against a real daemon, through the real CLI: content on stdin, what the
// target may receive on stdout, the decision in the exit code and the audit log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type TestDaemon } from '../testing/daemon.js';
import { testConfig } from '../testing/configs.js';

async function lastEntry(daemon: TestDaemon): Promise<Record<string, unknown>> {
  const tail = await daemon.cli(['--json', 'audit', 'tail', '-n', '1']);
  return JSON.parse(tail.text.trim()) as Record<string, unknown>;
}

describe('clipboard transfers', () => {
  let daemon: TestDaemon;
  beforeAll(async () => {
    daemon = await startDaemon({ config: testConfig });
  });
  afterAll(async () => {
    await daemon.cleanup();
  });

  describe('when a rule allows text up the ranks', () => {
    it('delivers the sanitised text on stdout and audits it without the content', async () => {
      const secret = 'Quarterly\r\nfigures\u202E!\u0007';
      const result = await daemon.cli(['clip', 'send', '--from', 'low', '--to', 'high'], {
        stdin: secret,
      });
      expect(result.code).toBe(0);
      expect(result.text).toBe('Quarterly\nfigures!');
      expect(result.stderr).toContain('text-up');
      const entry = await lastEntry(daemon);
      expect(entry).toMatchObject({
        event: 'transfer.delivered',
        from: 'low',
        to: 'high',
        rule: 'text-up',
        decision: 'allow',
      });
      expect(JSON.stringify(entry)).not.toContain('Quarterly');
      const item = (entry.items as Record<string, unknown>[])[0]!;
      expect(item.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(item.sanitised).toMatchObject({ type: 'text/plain' });
    });

    it('keeps the delivered transfer for its requester to read again, and no one else', async () => {
      const asking = await daemon.client('user', 'alice');
      const sent = await asking.call('clipboard.send', {
        from: 'low',
        to: 'high',
        items: [{ type: 'text/plain', data: Buffer.from('kept').toString('base64') }],
      });
      asking.close();
      expect(sent.status).toBe('delivered');
      // A later connection of the same account and name (the next CLI command) finds it.
      const later = await daemon.client('user', 'alice');
      expect(await later.call('transfers.get', { id: sent.id })).toMatchObject({
        id: sent.id,
        status: 'delivered',
      });
      later.close();
      const someoneElse = await daemon.client('user', 'mallory');
      await expect(someoneElse.call('transfers.get', { id: sent.id })).rejects.toMatchObject({
        code: 'NO_SUCH_TRANSFER',
      });
      someoneElse.close();
    });

    it('reduces HTML to its text', async () => {
      const result = await daemon.cli(
        ['clip', 'send', '--from', 'low', '--to', 'mid', '--type', 'text/html'],
        {
          stdin: '<html><body><p>Hello <b>there</b></p><script>alert(1)</script></body></html>',
        },
      );
      expect(result.code).toBe(0);
      expect(result.text).toContain('Hello there');
      expect(result.text).not.toContain('<');
      expect(result.text).not.toContain('alert');
    });
  });

  describe('when the content is over the rule size', () => {
    it('refuses it whole, never truncated, and names the limit', async () => {
      const result = await daemon.cli(['clip', 'send', '--from', 'low', '--to', 'mid'], {
        stdin: 'x'.repeat(101),
      });
      expect(result.code).toBe(3);
      expect(result.stdout.length).toBe(0);
      expect(result.stderr).toMatch(/101 bytes/);
      expect(result.stderr).toMatch(/100/);
      expect(await lastEntry(daemon)).toMatchObject({
        event: 'transfer.denied',
        rule: 'text-up',
        decision: 'deny',
      });
    });
  });

  describe('when a rule denies the clipboard down the ranks', () => {
    it('refuses with the rule id and exit code 3', async () => {
      const result = await daemon.cli(['--json', 'clip', 'send', '--from', 'high', '--to', 'low'], {
        stdin: 'secret',
      });
      expect(result.code).toBe(3);
      const answer = JSON.parse(result.text) as {
        error: { code: string; transfer: { decision: { ruleId: string } } };
      };
      expect(answer.error.code).toBe('DENIED_BY_RULE');
      expect(answer.error.transfer.decision.ruleId).toBe('clipboard-down');
    });
  });

  describe('when no rule matches', () => {
    it('denies and names the default', async () => {
      const png = Buffer.from(
        '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a0e1e5e20000000049454e44ae426082',
        'hex',
      );
      const result = await daemon.cli(
        ['--json', 'clip', 'send', '--from', 'low', '--to', 'mid', '--type', 'image/png'],
        { stdin: png },
      );
      expect(result.code).toBe(3);
      expect(result.text).toContain('default-deny');
    });
  });

  describe('when the declared type contradicts the bytes', () => {
    it('applies the rules to the detected type and reports the mismatch', async () => {
      const png = Buffer.from(
        '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a0e1e5e20000000049454e44ae426082',
        'hex',
      );
      const result = await daemon.cli(
        ['--json', 'clip', 'send', '--from', 'low', '--to', 'mid', '--type', 'text/plain'],
        { stdin: png },
      );
      expect(result.code).toBe(3);
      const answer = JSON.parse(result.text) as {
        error: { transfer: { items: { type: string; typeMismatch: string }[] } };
      };
      expect(answer.error.transfer.items[0]).toMatchObject({ type: 'image/png' });
      expect(answer.error.transfer.items[0]?.typeMismatch).toContain('image/png');
    });
  });

  describe('when the bytes are not valid UTF-8 but offered as text', () => {
    it('never delivers them', async () => {
      const result = await daemon.cli(['clip', 'send', '--from', 'low', '--to', 'mid'], {
        stdin: Buffer.from([0x61, 0xff, 0xfe, 0x62]),
      });
      expect(result.code).not.toBe(0);
      expect(result.stdout.length).toBe(0);
    });
  });

  describe('when a level does not exist', () => {
    it('names it and lists the levels', async () => {
      const result = await daemon.cli(['clip', 'send', '--from', 'low', '--to', 'nowhere'], {
        stdin: 'x',
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('"nowhere"');
      expect(result.stderr).toContain('low, mid, high');
    });
  });
});
