// The browser host's walls, from outside: every request needs the session secret and this host's
// name, calls need the shell's origin and are validated against the contract before the daemon
// sees them, and the page runs under a CSP that refuses inline and foreign code.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { browserMissing, startShell, type Shell } from './harness.js';

const missing = browserMissing();
let shell: Shell;
let cookie = '';

beforeAll(async () => {
  shell = await startShell();
  // What a browser does with the opening link: exchange the one-time token for the cookie.
  const opened = await http('GET', shell.host.newOpeningUrl());
  expect(opened.status).toBe(303);
  cookie = String(opened.headers['set-cookie']).split(';')[0]!;
});
afterAll(async () => {
  await shell?.close();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function http(
  method: string,
  url: string,
  options: { headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

function call(body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return http('POST', `${shell.host.origin}/rpc`, {
    headers: {
      cookie,
      origin: shell.host.origin,
      'content-type': 'application/json',
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('browser host', () => {
  describe('when a request has no session secret', () => {
    it('refuses the page, the assets and the calls', async () => {
      for (const path of ['/', '/assets/shell.js', '/rpc']) {
        const res = await http(path === '/rpc' ? 'POST' : 'GET', `${shell.host.origin}${path}`, {
          headers: { origin: shell.host.origin, 'content-type': 'application/json' },
          body: path === '/rpc' ? '{"method":"levels.list"}' : undefined,
        });
        expect(res.status, path).toBe(403);
        expect(res.body).toContain('secret');
      }
    });

    it('refuses a wrong secret', async () => {
      const res = await call({ method: 'levels.list' }, { cookie: 'cloison-session=guessed' });
      expect(res.status).toBe(403);
    });

    it('refuses an opening link used twice', async () => {
      const url = shell.host.newOpeningUrl();
      expect((await http('GET', url)).status).toBe(303);
      const again = await http('GET', url);
      expect(again.status).toBe(403);
      expect(again.headers['set-cookie']).toBeUndefined();
    });

    it('refuses a WebSocket to the events or to a display', async () => {
      for (const path of ['/events', '/vnc/internet']) {
        const refused = await new Promise<string>((resolve) => {
          const ws = new WebSocket(`${shell.host.origin.replace('http', 'ws')}${path}`, {
            origin: shell.host.origin,
          });
          ws.on('open', () => resolve('open'));
          ws.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
          ws.on('error', () => resolve('error'));
        });
        expect(refused, path).toBe('403');
      }
    });
  });

  describe('when the secret is there', () => {
    it('answers a valid call with the daemon’s result', async () => {
      const res = await call({ method: 'levels.list', params: {} });
      expect(res.status).toBe(200);
      const answer = JSON.parse(res.body) as { ok: boolean; result: { levels: { id: string }[] } };
      expect(answer.ok).toBe(true);
      expect(answer.result.levels.map((l) => l.id)).toEqual(['internet', 'office', 'restricted']);
    });

    it('refuses another Host (DNS rebinding) and another Origin (cross-site requests)', async () => {
      expect((await call({ method: 'levels.list' }, { host: 'evil.example:80' })).status).toBe(421);
      const cross = await call({ method: 'levels.list' }, { origin: 'http://evil.example' });
      expect(cross.status).toBe(403);
      const noOrigin = await http('POST', `${shell.host.origin}/rpc`, {
        headers: { cookie, 'content-type': 'application/json' },
        body: '{"method":"levels.list"}',
      });
      expect(noOrigin.status).toBe(403);
    });

    it('refuses a form post (not JSON), a body that is not JSON, and an oversize body', async () => {
      const form = await call('method=levels.list', {
        'content-type': 'application/x-www-form-urlencoded',
      });
      expect(form.status).toBe(415);
      const bad = await call('{"method":');
      expect(JSON.parse(bad.body)).toMatchObject({ ok: false, error: { code: 'PARSE_ERROR' } });
      const big = await call({
        method: 'levels.list',
        params: { pad: 'x'.repeat(2 * 1024 * 1024) },
      });
      expect(big.status).toBe(413);
    });

    it('gives a coded error naming the problem for bad arguments, never a crash', async () => {
      const res = await call({ method: 'apps.launch', params: { level: 'office', app: 42 } });
      expect(res.status).toBe(400);
      const answer = JSON.parse(res.body) as {
        ok: false;
        error: { code: string; message: string };
      };
      expect(answer.error.code).toBe('INVALID_PARAMS');
      expect(answer.error.message).toContain('app');
      const extra = await call({ method: 'levels.list', params: { sneaky: true } });
      expect(JSON.parse(extra.body)).toMatchObject({
        ok: false,
        error: { code: 'INVALID_PARAMS' },
      });
      const noLevel = await call({ method: 'levels.start', params: { level: 'nowhere' } });
      expect(JSON.parse(noLevel.body)).toMatchObject({
        ok: false,
        error: { code: 'NO_SUCH_LEVEL' },
      });
      // The host still answers afterwards.
      expect((await call({ method: 'daemon.status' })).status).toBe(200);
    });

    it('bridges no display for a bad level name or a level that is not running', async () => {
      const closed = (path: string) =>
        new Promise<{ code: number; reason: string }>((resolve) => {
          const ws = new WebSocket(`${shell.host.origin.replace('http', 'ws')}${path}`, {
            origin: shell.host.origin,
            headers: { cookie },
          });
          ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
          ws.on('error', () => {});
        });
      expect(await closed('/vnc/..%2F..%2Fetc')).toEqual({ code: 1008, reason: 'No such level.' });
      expect(await closed('/vnc/NOT-AN-ID')).toMatchObject({ code: 1008 });
      expect(await closed('/vnc/restricted')).toEqual({
        code: 1011,
        reason: 'That level is not running.',
      });
      const unknown = await closed('/vnc/nowhere');
      expect(unknown.code).toBe(1011);
      expect(unknown.reason).toContain('nowhere');
    });

    it('refuses methods the shell does not have, administrators’ ones among them', async () => {
      for (const method of ['compartments.run', 'config.reload', 'nope', 'clipboard.send']) {
        const res = await call({ method, params: {} });
        expect(JSON.parse(res.body), method).toMatchObject({
          ok: false,
          error: { code: 'UNKNOWN_METHOD' },
        });
      }
    });

    it('passes the admin console’s methods only to the daemon, which refuses them before a login', async () => {
      for (const method of ['audit.tail', 'approvals.list', 'config.show']) {
        const res = await call({ method, params: {} });
        expect(JSON.parse(res.body), method).toMatchObject({
          ok: false,
          error: { code: 'NOT_ALLOWED' },
        });
      }
    });
  });

  describe.skipIf(missing)('the page', () => {
    it('is served with a strict Content-Security-Policy that blocks inline scripts', async () => {
      const res = await http('GET', `${shell.host.origin}/`, { headers: { cookie } });
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('unsafe-eval');
      expect(csp).toContain("frame-ancestors 'none'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');

      const { page } = await shell.open();
      const outcome = await page.evaluate(async () => {
        const violations: string[] = [];
        document.addEventListener('securitypolicyviolation', (e) =>
          violations.push(e.violatedDirective),
        );
        const s = document.createElement('script');
        s.textContent = 'window.__inlineRan = true';
        document.body.appendChild(s);
        // A script from a data: URL, as an injection would try when inline code is refused.
        const d = document.createElement('script');
        d.src = 'data:text/javascript,window.__dataRan=true';
        document.body.appendChild(d);
        await new Promise((r) => setTimeout(r, 100));
        return {
          inlineRan: (window as unknown as { __inlineRan?: boolean }).__inlineRan === true,
          dataRan: (window as unknown as { __dataRan?: boolean }).__dataRan === true,
          violations,
        };
      });
      expect(outcome.inlineRan).toBe(false);
      expect(outcome.dataRan).toBe(false);
      expect(outcome.violations.filter((v) => v === 'script-src-elem')).toHaveLength(2);
    });
  });
});
