// `npm run bench:shell`: the shell's figures, in Debian's Chromium through the browser host, with a
// real daemon and real levels (two running, each with a terminal on its display):
//   switch:  Ctrl+Alt+N key press to the first animation frame that shows the new level's
//            workspace and display, p50/p95 over 200 switches, and frames where no workspace showed;
//   start:   opening link to an interactive level bar (cold: a fresh browser);
//   memory:  browser-host process plus Chromium's processes, with three levels running.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { root, startDaemon } from '../core/testing/daemon.js';
import { startHost } from '../host/server.js';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function rssKiB(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'));
    return Number(line?.replace(/\D+/g, '') ?? 0);
  } catch {
    return 0;
  }
}

/** A process and all its descendants. */
function tree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    out.push(p);
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(pid);
  return out;
}

/** Installed before the shell's own listeners: stamps each key press and watches the frames. */
const PROBE = `
  window.__switches = [];
  window.__blank = 0;
  window.addEventListener('keydown', (e) => {
    if (!(e.ctrlKey && e.altKey && /^Digit\\d$/.test(e.code))) return;
    const t0 = performance.now();
    const want = Number(e.code.slice(5)) - 1;
    // The frame whose animation callbacks see the new level shown is the first to paint it; its
    // callbacks run just before it is drawn. (The callback's own timestamp is the frame's start,
    // which can precede the key press, so performance.now() is taken instead.)
    const frame = () => {
      const tabs = [...document.querySelectorAll('[role=tab]')];
      const shown = [...document.querySelectorAll('.workspace')].filter((w) => !w.hidden);
      if (shown.length === 0) window.__blank++;
      const level = tabs[want] && tabs[want].dataset.level;
      const ws = level && document.getElementById('workspace-' + level);
      const canvas = ws && ws.querySelector('canvas');
      if (ws && !ws.hidden && canvas && canvas.offsetWidth > 0) {
        window.__switches.push(performance.now() - t0);
      } else requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }, true);
`;

async function main(): Promise<void> {
  const daemon = await startDaemon();
  const host = await startHost({
    userSocket: daemon.paths.userSocket,
    actor: 'bench',
    rendererDir: join(root, 'dist/renderer'),
  });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
  const results: Record<string, Record<string, number | string>> = {};
  try {
    const user = await daemon.client('user');
    for (const level of ['internet', 'office'])
      await user.call('apps.launch', { level, app: 'terminal' });

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript(PROBE);
    const page = await context.newPage();
    const t0 = Date.now();
    await page.goto(host.newOpeningUrl());
    await page.locator('[role=tab]').first().waitFor();
    const coldMs = Date.now() - t0;
    for (const level of ['internet', 'office']) {
      await page
        .locator(`[data-testid=display-${level}][data-state=connected]`)
        .waitFor({ state: 'attached' });
    }
    // Warm-up, then 200 measured switches between the two running levels.
    for (let i = 0; i < 10; i++) await page.keyboard.press(`Control+Alt+Digit${(i % 2) + 1}`);
    await new Promise((r) => setTimeout(r, 500));
    await page.evaluate('window.__switches = []; window.__blank = 0');
    for (let i = 0; i < 200; i++) {
      await page.keyboard.press(`Control+Alt+Digit${(i % 2) + 1}`);
      // Polled with evaluate: waitForFunction evaluates a string in the page, which the CSP refuses.
      while (((await page.evaluate('window.__switches.length')) as number) < i + 1) {
        await new Promise((r) => setTimeout(r, 2));
      }
    }
    const times = ((await page.evaluate('window.__switches')) as number[]).sort((a, b) => a - b);
    results.switch = {
      p50ms: +percentile(times, 50).toFixed(1),
      p95ms: +percentile(times, 95).toFixed(1),
      switches: times.length,
      blankFrames: (await page.evaluate('window.__blank')) as number,
      targetP95ms: 16.7,
    };
    results.start = { coldToInteractiveMs: coldMs };

    await user.call('apps.launch', { level: 'restricted', app: 'terminal' });
    await page.locator('[data-testid=display-restricted]').waitFor({ state: 'attached' });
    await new Promise((r) => setTimeout(r, 2000));
    // Chromium's processes: this process's descendants named so (the daemon is a child too).
    const chromiumKiB = tree(process.pid)
      .filter((p) => {
        try {
          return /chrom/i.test(readFileSync(`/proc/${p}/comm`, 'utf8'));
        } catch {
          return false;
        }
      })
      .reduce((n, p) => n + rssKiB(p), 0);
    results.memory = {
      levelsRunning: 3,
      hostRssMiB: +(rssKiB(process.pid) / 1024).toFixed(1),
      chromiumRssMiB: +(chromiumKiB / 1024).toFixed(1),
      note: 'the host runs inside this benchmark process; RSS counts shared pages once per process',
    };
    user.close();
  } finally {
    await browser.close();
    await host.close();
    await daemon.cleanup();
  }
  console.log(JSON.stringify(results, null, 2));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
