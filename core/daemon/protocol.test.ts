// The daemon's sockets from a hostile peer's side: bad bytes get coded errors, the daemon serves on.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonClient } from '../client/client.js';
import { CloisonError } from '../contract/errors.js';
import { startDaemon, type TestDaemon } from '../testing/daemon.js';
import { testConfig } from '../testing/configs.js';

/** Sends raw text on a socket and collects the answer lines that come back. */
function raw(
  path: string,
  text: string | Buffer,
  lines: number,
): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let buffer = '';
    const answers: Record<string, unknown>[] = [];
    socket.on('data', (d) => {
      buffer += d.toString();
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        answers.push(JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>);
        buffer = buffer.slice(nl + 1);
        if (answers.length === lines) {
          socket.destroy();
          resolve(answers);
        }
      }
    });
    socket.on('error', reject);
    socket.write(text);
  });
}

function codeOf(answer: Record<string, unknown> | undefined): unknown {
  return (answer?.error as { data?: { code?: unknown } } | undefined)?.data?.code;
}

describe('daemon protocol', () => {
  let daemon: TestDaemon;
  beforeAll(async () => {
    daemon = await startDaemon({ config: testConfig });
  });
  afterAll(async () => {
    await daemon.cleanup();
  });

  describe('when a message is not valid JSON-RPC', () => {
    it.each([
      ['not JSON', '{nope\n', 'PARSE_ERROR'],
      ['JSON but not a request', '[1,2]\n', 'INVALID_REQUEST'],
      ['a request without id', '{"jsonrpc":"2.0","method":"levels.list"}\n', 'INVALID_REQUEST'],
      ['an unknown method', '{"jsonrpc":"2.0","id":1,"method":"levels.drop"}\n', 'UNKNOWN_METHOD'],
      [
        'params of the wrong shape',
        '{"jsonrpc":"2.0","id":2,"method":"clipboard.send","params":{"from":"low"}}\n',
        'INVALID_PARAMS',
      ],
      [
        'an unknown param',
        '{"jsonrpc":"2.0","id":3,"method":"levels.list","params":{"all":true}}\n',
        'INVALID_PARAMS',
      ],
      [
        'clipboard data that is not base64',
        '{"jsonrpc":"2.0","id":4,"method":"clipboard.send","params":{"from":"low","to":"mid","items":[{"type":"text/plain","data":"%%%"}]}}\n',
        'INVALID_PARAMS',
      ],
      [
        'a level id with a slash',
        '{"jsonrpc":"2.0","id":5,"method":"files.send","params":{"from":"../low","to":"mid","paths":["a"]}}\n',
        'INVALID_PARAMS',
      ],
    ])('answers %s with a coded error and keeps serving', async (_what, text, code) => {
      const [answer, next] = await raw(
        daemon.paths.userSocket,
        text + '{"jsonrpc":"2.0","id":99,"method":"levels.list"}\n',
        2,
      );
      expect(codeOf(answer)).toBe(code);
      expect((answer?.error as { message: string }).message.length).toBeGreaterThan(10);
      expect(next?.id).toBe(99);
      expect(next?.result).toBeDefined();
    });
  });

  describe('when a message is over the size limit', () => {
    it('refuses it with MESSAGE_TOO_LARGE without buffering it, then serves the next', async () => {
      // The default limit is 32 MiB: send 33 MiB of one line.
      const big = Buffer.alloc(33 * 1024 * 1024, 0x61);
      const [answer, next] = await raw(
        daemon.paths.userSocket,
        Buffer.concat([big, Buffer.from('\n{"jsonrpc":"2.0","id":7,"method":"levels.list"}\n')]),
        2,
      );
      expect(codeOf(answer)).toBe('MESSAGE_TOO_LARGE');
      expect(next?.id).toBe(7);
    });
  });

  describe('when a method is called on the wrong socket', () => {
    it('refuses an admin method on the user socket without a login', async () => {
      const client = await daemon.client('user');
      await expect(client.call('approvals.list', {})).rejects.toMatchObject({
        code: 'NOT_ALLOWED',
      });
      await expect(client.call('config.reload', {})).rejects.toMatchObject({
        code: 'NOT_ALLOWED',
      });
      await expect(client.call('audit.tail', { count: 5 })).rejects.toMatchObject({
        code: 'NOT_ALLOWED',
      });
      client.close();
    });

    it('refuses a transfer on the admin socket', async () => {
      const admin = await daemon.client('admin');
      const error = await admin
        .call('clipboard.send', {
          from: 'low',
          to: 'mid',
          items: [{ type: 'text/plain', data: 'aGk=' }],
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CloisonError);
      expect((error as CloisonError).code).toBe('WRONG_SOCKET');
      expect((error as CloisonError).message).toContain('user socket');
      admin.close();
    });
  });

  describe('when a session names its actor', () => {
    it.each([
      ['padded with a space', 'root ', 'may not begin or end with whitespace'],
      ['led by a tab', '\tbob', 'may not begin or end with whitespace'],
      ['carrying an escape', 'bob\u001b[2Kroot', 'control, format'],
      ['carrying a newline', 'bob\nroot', 'control, format'],
      ['carrying a bidi override', 'bob\u202Etoor', 'control, format'],
      ['carrying a zero-width space', 'b\u200Bob', 'control, format'],
      ['empty', '', '1 to 64 characters'],
      ['over 64 characters', 'a'.repeat(65), '1 to 64 characters'],
      ['posing as a login', 'alice [admin]', 'brackets or parentheses'],
      ['posing as a session', 'bob (user-3)', 'brackets or parentheses'],
      ['posing with full-width brackets', 'alice ［admin］', 'brackets or parentheses'],
    ])('refuses a name %s, naming the rule', async (_what, actor, rule) => {
      const client = await DaemonClient.connect(daemon.paths.userSocket);
      const error = await client.call('session.hello', { actor }).catch((e: unknown) => e);
      client.close();
      expect(error).toBeInstanceOf(CloisonError);
      expect((error as CloisonError).code).toBe('INVALID_PARAMS');
      expect((error as CloisonError).message).toContain(rule);
    });

    it('accepts an ordinary name, accents and spaces inside included', async () => {
      const client = await DaemonClient.connect(daemon.paths.userSocket);
      await expect(client.call('session.hello', { actor: 'Zoë Martin' })).resolves.toMatchObject({
        role: 'user',
      });
      client.close();
    });
  });

  describe('the sockets', () => {
    it('are not open to other accounts', async () => {
      const { statSync } = await import('node:fs');
      expect(statSync(daemon.paths.adminSocket).mode & 0o077).toBe(0);
      expect(statSync(daemon.paths.userSocket).mode & 0o007).toBe(0);
    });
  });

  describe('when a second daemon starts on the same state folder', () => {
    it('refuses to start and names the running one', async () => {
      const { spawnSync } = await import('node:child_process');
      const { cloisondJs } = await import('../testing/daemon.js');
      const second = spawnSync(
        process.execPath,
        [cloisondJs, '--config', daemon.configFile, '--state', daemon.state],
        {
          encoding: 'utf8',
          timeout: 20_000,
        },
      );
      expect(second.status).toBe(1);
      expect(second.stderr).toContain(`Another cloisond (pid ${daemon.process.pid})`);
      // The first is unharmed.
      const client = await daemon.client('user');
      expect((await client.call('levels.list', {})).levels).toHaveLength(3);
      client.close();
    });
  });

  describe('events', () => {
    it('are pushed to subscribers when a transfer ends', async () => {
      const watcher = await daemon.client('user');
      await watcher.call('events.subscribe', {});
      const seen: unknown[] = [];
      watcher.onEvent((e) => seen.push(e));
      const sender = await daemon.client('user');
      await sender.call('clipboard.send', {
        from: 'low',
        to: 'mid',
        items: [{ type: 'text/plain', data: Buffer.from('hello').toString('base64') }],
      });
      await new Promise((r) => setTimeout(r, 200));
      expect(seen).toContainEqual(
        expect.objectContaining({
          type: 'transfer.updated',
          transfer: expect.objectContaining({ status: 'delivered' }),
        }),
      );
      // Events carry metadata, never the content.
      expect(JSON.stringify(seen)).not.toContain(Buffer.from('hello').toString('base64'));
      watcher.close();
      sender.close();
    });
  });

  describe('on SIGTERM', () => {
    it('stops cleanly, records the stop, and releases the state folder', async () => {
      const own = await startDaemon({ config: testConfig });
      try {
        expect(await own.stop()).toBe(0);
        const { existsSync } = await import('node:fs');
        expect(existsSync(own.paths.lock)).toBe(false);
        const verify = await own.cli(['--json', 'audit', 'verify']);
        expect(verify.code).toBe(0);
        await own.restart();
        const tail = await own.cli(['--json', 'audit', 'tail', '-n', '3']);
        const events = tail.text
          .trim()
          .split('\n')
          .map((l) => (JSON.parse(l) as { event: string }).event);
        expect(events).toEqual(['daemon.started', 'daemon.stopped', 'daemon.started']);
      } finally {
        await own.cleanup();
      }
    });
  });
});
