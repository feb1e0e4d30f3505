// The shell as a person gets it without Electron: a real daemon (core/testing/daemon.ts) with real
// levels, the browser host, and Debian's Chromium driven by playwright-core. Each test file gets
// its own daemon and host; pages are opened through one-time links like the one `npm start` prints.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { DaemonClient } from '../core/client/client.js';
import { root, startDaemon, type TestDaemon } from '../core/testing/daemon.js';
import { startHost, type Host } from '../host/server.js';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Why the browser tests cannot run here, if they cannot. */
export function browserMissing(): string | undefined {
  if (!existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (apt-get install chromium)`;
  if (!existsSync(join(root, 'dist/renderer/index.html'))) return 'the renderer is not built';
  return undefined;
}

/**
 * The embedded default, with each level's terminal painted in a colour of its own so that a test
 * can tell from the pixels which level's app a display shows.
 */
export function colouredDefaultConfig(colours: Record<string, string>): string {
  const text = readFileSync(join(root, 'assets/default-config.yaml'), 'utf8');
  let n = 0;
  const order = ['internet', 'office', 'restricted'];
  return text.replace(/argv: \[xterm\]/gu, () => {
    const level = order[n++] ?? '';
    return `argv: [xterm, -bg, "${colours[level] ?? 'white'}", -geometry, "100x40"]`;
  });
}

/** The share of a level display's pixels close to a colour (the display's own framebuffer). */
export function displayShare(page: Page, level: string, rgb: readonly number[]): Promise<number> {
  return page.evaluate(
    ({ level, rgb }) => {
      const canvas = document.querySelector<HTMLCanvasElement>(
        `[data-testid=display-${level}] canvas`,
      );
      if (!canvas || canvas.width === 0) return 0;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let near = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (
          Math.abs(data[i]! - rgb[0]!) < 40 &&
          Math.abs(data[i + 1]! - rgb[1]!) < 40 &&
          Math.abs(data[i + 2]! - rgb[2]!) < 40
        )
          near++;
      }
      return near / (data.length / 4);
    },
    { level, rgb },
  );
}

/** A shell call's raw answer, as the host gives it. */
export interface PageAnswer {
  ok: boolean;
  result?: unknown;
  error?: { code: string; message: string };
}

/**
 * A call as the page itself can make it, with what the tab holds (its session secret, its admin
 * session): what a script injected in the page, or the person at the devtools, could send.
 */
export function pageRpc(page: Page, method: string, params: unknown = {}): Promise<PageAnswer> {
  return page.evaluate(
    async ({ method, params }) => {
      const admin = sessionStorage.getItem('cloison-admin');
      const res = await fetch('/rpc', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-cloison-session': sessionStorage.getItem('cloison-session') ?? '',
          ...(admin ? { 'x-cloison-admin': admin } : {}),
        },
        body: JSON.stringify({ method, params }),
      });
      return (await res.json()) as PageAnswer;
    },
    { method, params },
  );
}

export interface Shell {
  daemon: TestDaemon;
  host: Host;
  browser: Browser;
  admin: DaemonClient;
  /** A new page on a fresh browser context, opened through a one-time link, level bar shown. */
  open(options?: { locale?: string }): Promise<{ page: Page; context: BrowserContext }>;
  /** Runs a shell command in a level's compartment (administrator), returns its output. */
  run(level: string, command: string): Promise<{ code: number; out: string }>;
  close(): Promise<void>;
}

export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  deadlineMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startShell(config?: string): Promise<Shell> {
  const daemon = await startDaemon(config ? { config } : {});
  const host = await startHost({
    userSocket: daemon.paths.userSocket,
    actor: 'alice',
    rendererDir: join(root, 'dist/renderer'),
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const admin = await daemon.client('admin');
  const contexts: BrowserContext[] = [];
  return {
    daemon,
    host,
    browser,
    admin,
    async open(options = {}) {
      const context = await browser.newContext({
        locale: options.locale ?? 'en-GB',
        viewport: { width: 1280, height: 800 },
      });
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(host.newOpeningUrl());
      await page.getByRole('tablist').waitFor();
      await page.locator('[role=tab]').first().waitFor();
      return { page, context };
    },
    async run(level, command) {
      const tag = `.run-${randomBytes(4).toString('hex')}`;
      await admin.call('compartments.run', {
        level,
        argv: [
          '/bin/sh',
          '-c',
          `(${command}) > "$HOME/${tag}.out" 2>&1; echo $? > "$HOME/${tag}.part"; mv "$HOME/${tag}.part" "$HOME/${tag}.rc"`,
        ],
      });
      const home = daemon.home(
        level === 'internet' ? { id: level, ephemeral: true } : { id: level },
      );
      const rc = join(home, `${tag}.rc`);
      return until(`"${command}" in ${level}`, async () =>
        existsSync(rc)
          ? {
              code: Number(readFileSync(rc, 'utf8').trim()),
              out: readFileSync(join(home, `${tag}.out`), 'utf8'),
            }
          : undefined,
      );
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {});
      await browser.close().catch(() => {});
      admin.close();
      await host.close();
      await daemon.cleanup();
    },
  };
}
