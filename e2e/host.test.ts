// The browser host's walls, from outside: every call and socket needs the session secret and this
// host's name, calls need the shell's origin and are validated against the contract before the
// daemon sees them, the secret never travels where another port of 127.0.0.1 gets it, and the page
// runs under a CSP that refuses inline and foreign code.
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { browserMissing, startShell, type Shell } from './harness.js';

const missing = browserMissing();
let shell: Shell;
let secret = '';

/** The secret an opening page hands to its tab, if any. */
const secretIn = (html: string) =>
  /<meta name="cloison-session" content="([^"]+)"/u.exec(html)?.[1];

beforeAll(async () => {
  shell = await startShell();
  // What a browser does with the opening link: exchange the one-time token for the page and its
  // secret.
  const opened = await http('GET', shell.host.newOpeningUrl());
  expect(opened.status).toBe(200);
  expect(opened.headers['set-cookie']).toBeUndefined();
  secret = secretIn(opened.body) ?? '';
  expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/u);
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
      'x-cloison-session': secret,
      origin: shell.host.origin,
      'content-type': 'application/json',
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('browser host', () => {
  describe('when a request has no session secret', () => {
    it('refuses the calls, and serves the page and its code without any secret in them', async () => {
      const res = await http('POST', `${shell.host.origin}/rpc`, {
        headers: { origin: shell.host.origin, 'content-type': 'application/json' },
        body: '{"method":"levels.list"}',
      });
      expect(res.status).toBe(403);
      expect(res.body).toContain('secret');
      for (const path of ['/', '/assets/shell.js']) {
        const page = await http('GET', `${shell.host.origin}${path}`);
        expect(page.status, path).toBe(200);
        expect(page.body, path).not.toContain(secret);
        expect(secretIn(page.body), path).toBeUndefined();
      }
    });

    it('refuses a wrong secret, and a cookie holding the right one', async () => {
      const res = await call({ method: 'levels.list' }, { 'x-cloison-session': 'guessed' });
      expect(res.status).toBe(403);
      const cookie = await http('POST', `${shell.host.origin}/rpc`, {
        headers: {
          cookie: `cloison-session=${secret}`,
          origin: shell.host.origin,
          'content-type': 'application/json',
        },
        body: '{"method":"levels.list"}',
      });
      expect(cookie.status).toBe(403);
    });

    it('refuses an opening link used twice', async () => {
      const url = shell.host.newOpeningUrl();
      expect((await http('GET', url)).status).toBe(200);
      const again = await http('GET', url);
      expect(again.status).toBe(403);
      expect(secretIn(again.body)).toBeUndefined();
    });

    it('refuses a WebSocket to the events or to a display', async () => {
      for (const path of ['/events', '/vnc/internet', '/events?session=guessed']) {
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
        headers: { 'x-cloison-session': secret, 'content-type': 'application/json' },
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
          const ws = new WebSocket(
            `${shell.host.origin.replace('http', 'ws')}${path}?session=${secret}`,
            { origin: shell.host.origin },
          );
          ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
          ws.on('error', () => {});
        });
      expect(await closed('/vnc/..%2F..%2Fetc')).toEqual({ code: 1008, reason: 'No such level.' });
      // A malformed escape: refused the same way, and the host does not fall over (it did).
      expect(await closed('/vnc/%E0')).toEqual({ code: 1008, reason: 'No such level.' });
      expect((await call({ method: 'daemon.status' })).status).toBe(200);
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
    it('never sends its secret to another port of 127.0.0.1, where a level may listen', async () => {
      // A level on the host network listening on loopback, as the trial's attacker did.
      const seen: IncomingHttpHeaders[] = [];
      const trap = createServer((req, res) => {
        seen.push(req.headers);
        res.end('<!doctype html><title>trap</title>');
      });
      await new Promise<void>((r) => trap.listen(0, '127.0.0.1', r));
      const port = (trap.address() as AddressInfo).port;
      try {
        const { page, context } = await shell.open();
        // The shell works in this tab (the control: it holds its secret).
        expect(await page.evaluate(() => sessionStorage.getItem('cloison-session'))).toMatch(
          /^[A-Za-z0-9_-]{43}$/u,
        );
        expect(page.url()).toBe(`${shell.host.origin}/`);
        const other = await context.newPage();
        await other.goto(`http://127.0.0.1:${port}/`);
        await other.evaluate(
          (origin) => fetch(`${origin}/rpc`, { method: 'POST', mode: 'no-cors' }).catch(() => {}),
          shell.host.origin,
        );
        expect(seen.length).toBeGreaterThan(0);
        for (const headers of seen) {
          expect(JSON.stringify(headers)).not.toContain(
            await page.evaluate(() => sessionStorage.getItem('cloison-session') ?? ''),
          );
          expect(headers.cookie).toBeUndefined();
        }
      } finally {
        trap.close();
      }
    });

    it('is served with a strict Content-Security-Policy that blocks inline scripts', async () => {
      const res = await http('GET', `${shell.host.origin}/`);
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
