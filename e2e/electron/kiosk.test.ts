// Electron's own kiosk behaviour (Playwright's _electron): the kiosk window, shortcuts swallowed
// before any view, no developer tools, no new windows, and no start with a debugging switch. They
// need Electron's runtime; where it is missing they are reported as skipped, with the reason.
// The decisions themselves are tested everywhere (electron/main/kiosk-keys.test.ts).
import { spawnSync } from 'node:child_process';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { defaultConfigYaml, startDaemon, type TestDaemon } from '../../core/testing/daemon.js';
import { binary, main, reason } from './runtime.js';

if (reason) {
  console.warn(`e2e/electron/kiosk: skipped: ${reason}`);
  describe('Electron kiosk (skipped)', () => {
    it.skip(`skipped: ${reason}`, () => {});
  });
} else {
  describe('Electron kiosk', () => {
    let daemon: TestDaemon;
    let electron: ElectronApplication;
    let page: Page;
    beforeAll(async () => {
      daemon = await startDaemon();
      electron = await _electron.launch({
        executablePath: binary!,
        args: [main, '--kiosk', '--state', daemon.state],
      });
      page = await electron.firstWindow();
      await page.getByRole('tablist').waitFor();
    });
    afterAll(async () => {
      await electron?.process().kill('SIGKILL');
      await daemon?.cleanup();
    });

    it('runs in a kiosk window with the level bar visible', async () => {
      expect(
        await electron.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.isKiosk()),
      ).toBe(true);
      expect(await page.getByRole('tablist').isVisible()).toBe(true);
    });

    it.each(['Alt+F4', 'Control+KeyW', 'Control+KeyQ', 'F11', 'Control+KeyR', 'Control+Equal'])(
      'swallows %s: the window stays, unchanged',
      async (keys) => {
        await page.keyboard.press(keys);
        const state = await electron.evaluate(({ BrowserWindow }) => {
          const win = BrowserWindow.getAllWindows()[0]!;
          return {
            count: BrowserWindow.getAllWindows().length,
            kiosk: win.isKiosk(),
            zoom: win.webContents.getZoomLevel(),
          };
        });
        expect(state).toEqual({ count: 1, kiosk: true, zoom: 0 });
      },
    );

    it('opens no developer tools, by key or by call', async () => {
      await page.keyboard.press('F12');
      await page.keyboard.press('Control+Shift+KeyI');
      const opened = await electron.evaluate(({ BrowserWindow }) => {
        const wc = BrowserWindow.getAllWindows()[0]!.webContents;
        wc.openDevTools();
        return wc.isDevToolsOpened();
      });
      expect(opened).toBe(false);
    });

    it('opens no new window', async () => {
      expect(await page.evaluate(() => window.open('about:blank') === null)).toBe(true);
      expect(
        await electron.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length),
      ).toBe(1);
    });

    it('refuses to start with a remote debugging switch', () => {
      const run = spawnSync(
        binary!,
        [main, '--kiosk', '--remote-debugging-port=9222', '--state', daemon.state],
        {
          encoding: 'utf8',
          timeout: 60_000,
        },
      );
      expect(run.status).toBe(2);
      expect(run.stderr).toContain('refusing to start with --remote-debugging-port=9222');
    });
  });

  describe('Electron kiosk, its session reset and its web apps', () => {
    let daemon: TestDaemon;
    let electron: ElectronApplication;
    let page: Page;
    beforeAll(async () => {
      daemon = await startDaemon({
        config: `${readFileSync(defaultConfigYaml, 'utf8')}
kiosk:
  levels: [internet]
  userLaunch: false
  autostart: [{ level: internet, app: terminal }]
  idleSeconds: 3
`,
      });
      electron = await _electron.launch({
        executablePath: binary!,
        args: [main, '--state', daemon.state],
      });
      page = await electron.firstWindow();
      await page.getByRole('tablist').waitFor();
    });
    afterAll(async () => {
      await electron?.process().kill('SIGKILL');
      await daemon?.cleanup();
    });
    const views = () =>
      electron.evaluate(({ webContents }) => webContents.getAllWebContents().length);

    it('opens no web app the kiosk does not let its user open, even when the page asks', async () => {
      const before = await views();
      await page.evaluate(() =>
        (
          window as unknown as { cloison: { openWebApp(l: string, a: string): void } }
        ).cloison.openWebApp('internet', 'browser'),
      );
      await new Promise((r) => setTimeout(r, 2000));
      expect(await views()).toBe(before);
    });

    it('empties the ephemeral level’s partition at the reset', async () => {
      await electron.evaluate(({ session }) =>
        session
          .fromPartition('level-internet')
          .cookies.set({ url: 'https://en.wikipedia.org/', name: 'last-person', value: 'x' }),
      );
      await page.evaluate(() =>
        (
          window as unknown as { cloison: { call(m: string, p: unknown): Promise<unknown> } }
        ).cloison.call('kiosk.activity', {}),
      );
      await expect
        .poll(
          () =>
            electron.evaluate(
              async ({ session }) =>
                (await session.fromPartition('level-internet').cookies.get({})).length,
            ),
          { timeout: 20_000 },
        )
        .toBe(0);
    });
  });
}
