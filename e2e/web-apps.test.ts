// Web apps in the browser host, as a person launches them: the level's own Chromium, run by the
// daemon inside the level's compartment, shows the app on the level's display; it stops from its
// button; a web app its level cannot reach is refused with the reason, told in a notification.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserMissing, displayShare, startShell, type Shell } from './harness.js';

const missing = browserMissing();
const GREEN = [0, 200, 0] as const;

let shell: Shell;
let page: Page;
let site: Server;

beforeAll(async () => {
  if (missing) return;
  site = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>Green</title><body style="margin:0;background:rgb(0,200,0)">');
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  const { port } = site.address() as AddressInfo;
  shell = await startShell(`
levels:
  - id: internet
    label: Internet
    colour: "#c0392b"
    rank: 0
    network: host
    apps:
      - { id: green, label: Green site, type: web, url: "http://127.0.0.1:${port}/" }
  - id: office
    label: Office
    colour: "#2471a3"
    rank: 1
    apps:
      - { id: intranet, label: Intranet, type: web, url: "https://intranet.example.org/" }
rules: []
`);
  ({ page } = await shell.open());
}, 60_000);

afterAll(async () => {
  await shell?.close();
  site?.close();
});

describe.skipIf(missing)('web apps in the browser host', () => {
  it("shows a web app on its level's display, run in the level's compartment", async () => {
    const ws = page.getByTestId('workspace-internet');
    await ws.getByRole('button', { name: 'Launch Green site' }).click();
    await expect
      .poll(() => displayShare(page, 'internet', GREEN), { timeout: 60_000 })
      .toBeGreaterThan(0.3);
    const apps = (await shell.admin.call('levels.status', { level: 'internet' })).levels[0]!.apps;
    const browser = apps.find((a) => a.app === 'green' && a.state === 'running');
    expect(browser?.argv[0]).toBe('/usr/bin/bwrap');
    expect(browser?.argv).toContain('/usr/lib/chromium/chromium');
  }, 90_000);

  it('stops it from its stop button, and its window leaves the display', async () => {
    const ws = page.getByTestId('workspace-internet');
    await ws.getByRole('button', { name: 'Stop Green site' }).click();
    await expect.poll(() => ws.getByRole('button', { name: 'Stop Green site' }).count()).toBe(0);
    await expect
      .poll(() => displayShare(page, 'internet', GREEN), { timeout: 30_000 })
      .toBeLessThan(0.01);
  }, 60_000);

  it('refuses a web app its level cannot reach, and says why', async () => {
    await page.keyboard.press('Control+Alt+Digit2');
    await page
      .getByTestId('workspace-office')
      .getByRole('button', { name: 'Launch Intranet' })
      .click();
    await expect
      .poll(() => page.getByTestId('notifications').innerText())
      .toMatch(/no network \(network: none\)/u);
    const apps = (await shell.admin.call('levels.status', { level: 'office' })).levels[0]!.apps;
    expect(apps.filter((a) => a.state === 'running')).toHaveLength(0);
  });
});
