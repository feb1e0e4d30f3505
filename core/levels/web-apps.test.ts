// Web apps outside the Electron shell, through the daemon's API with real compartments: Debian's
// Chromium runs in the level, loads its app, downloads into the level's home, and cannot navigate
// outside the app's origins (an app that lists the other origin reaches it: the control). The
// level's own apps cannot change the policy, and a level without network refuses a remote app.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonClient } from '../client/client.js';
import { CloisonError } from '../contract/errors.js';
import { startDaemon, type TestDaemon } from '../testing/daemon.js';
import { CHROMIUM } from './web-app.js';

interface Site {
  server: Server;
  origin: string;
  /** Paths requested so far, in order. */
  seen: string[];
}

/** A page that downloads a file, says it ran, then navigates to `?to=`. */
const PAGE = `<!doctype html><title>app</title>
<a id="d" href="/report.txt" download>report</a>
<script>
  document.getElementById('d').click();
  fetch('/ran?' + new URLSearchParams(location.search).get('tag'));
  setTimeout(() => { location.href = new URLSearchParams(location.search).get('to'); }, 1500);
</script>`;

async function site(): Promise<Site> {
  const seen: string[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    seen.push(req.url ?? '');
    if (req.url?.startsWith('/report.txt')) {
      res.writeHead(200, {
        'content-type': 'text/plain',
        'content-disposition': 'attachment; filename="report.txt"',
      });
      res.end('quarterly figures\n');
    } else if (req.url?.startsWith('/?')) {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(PAGE);
    } else {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, origin: `http://127.0.0.1:${port}`, seen };
}

async function until<T>(what: string, probe: () => T | undefined, ms = 40_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Host processes of Chromium running on the profile of `app`. */
function browsersOf(app: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv[0] === CHROMIUM && argv.some((a) => a.endsWith(`/.cloison/web/${app}`)))
        pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

describe('web apps in the level compartment', () => {
  let daemon: TestDaemon;
  let user: DaemonClient;
  let admin: DaemonClient;
  let app: Site;
  let elsewhere: Site;

  const url = (tag: string) =>
    `${app.origin}/?tag=${tag}&to=${encodeURIComponent(`${elsewhere.origin}/from-${tag}`)}`;

  beforeAll(async () => {
    app = await site();
    elsewhere = await site();
    daemon = await startDaemon({
      config: `
levels:
  - id: web
    label: Web
    colour: "#aa0000"
    rank: 0
    network: host
    apps:
      - { id: guarded, label: Guarded, type: web, url: "${url('guarded')}" }
      - { id: open, label: Open, type: web, url: "${url('open')}", origins: ["${elsewhere.origin}"] }
  - id: sealed
    label: Sealed
    colour: "#0000aa"
    rank: 1
    apps:
      - { id: intranet, label: Intranet, type: web, url: "https://intranet.example.org/" }
rules: []
`,
    });
    user = await daemon.client('user');
    admin = await daemon.client('admin');
  }, 60_000);

  afterAll(async () => {
    user?.close();
    admin?.close();
    await daemon?.cleanup();
    app?.server.close();
    elsewhere?.server.close();
  });

  it('navigates outside its origins only when the app lists them (control), and never otherwise', async () => {
    // The control first: the same page, with the other origin listed, gets there.
    await user.call('apps.launch', { level: 'web', app: 'open' });
    await until('the open app to reach the other origin', () =>
      elsewhere.seen.includes('/from-open') ? true : undefined,
    );
    const guarded = await user.call('apps.launch', { level: 'web', app: 'guarded' });
    expect(guarded.app).toBe('guarded');
    expect(guarded.state).toBe('running');
    await until('the guarded page to run', () =>
      app.seen.includes('/ran?guarded') ? true : undefined,
    );
    // Well past the page's 1.5 s navigation, which the control shows is made and would succeed.
    await new Promise((r) => setTimeout(r, 5000));
    expect(elsewhere.seen).not.toContain('/from-guarded');
  }, 90_000);

  it("saves downloads into the level's home without asking", async () => {
    const saved = join(daemon.home('web'), 'Downloads', 'report.txt');
    await until('the download in the home', () => (existsSync(saved) ? true : undefined));
    expect(readFileSync(saved, 'utf8')).toBe('quarterly figures\n');
  }, 60_000);

  it("keeps the policy out of reach of the level's own apps", async () => {
    const tag = `.try-${randomBytes(4).toString('hex')}`;
    await admin.call('compartments.run', {
      level: 'web',
      argv: [
        '/bin/sh',
        '-c',
        `{ echo '{}' > /run/cloison/web/guarded.json && echo replaced; echo '{"URLAllowlist":["*"]}' > /run/cloison/web/z.json && echo added; cat /run/cloison/web/guarded.json | head -c 40; } > "$HOME/${tag}" 2>&1; mv "$HOME/${tag}" "$HOME/${tag}.done"`,
      ],
    });
    const done = join(daemon.home('web'), `${tag}.done`);
    const out = await until('the attempt', () =>
      existsSync(done) ? readFileSync(done, 'utf8') : undefined,
    );
    expect(out).toMatch(/Read-only file system/);
    expect(out).not.toMatch(/replaced|added/);
    // The control: the policy is there to read, and says what it limits.
    expect(out).toContain('URLBlocklist');
  }, 60_000);

  it('stops the whole browser with the app', async () => {
    expect(browsersOf('guarded').length).toBeGreaterThan(0);
    const apps = (await user.call('levels.status', { level: 'web' })).levels[0]!.apps;
    const running = apps.find((a) => a.app === 'guarded' && a.state === 'running')!;
    await user.call('apps.stop', { level: 'web', id: running.id });
    await until('no browser of the app', () =>
      browsersOf('guarded').length === 0 ? true : undefined,
    );
    expect(browsersOf('open').length).toBeGreaterThan(0);
  }, 60_000);

  it('refuses a remote web app in a level without network, and says why', async () => {
    const err = await user.call('apps.launch', { level: 'sealed', app: 'intranet' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CloisonError);
    expect((err as CloisonError).code).toBe('COMPARTMENT_UNAVAILABLE');
    expect((err as CloisonError).message).toMatch(/network: none/);
    expect((err as CloisonError).message).toMatch(/https:\/\/intranet\.example\.org/);
  });
});
