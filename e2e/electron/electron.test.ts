// End-to-end tests of the Electron shell itself (Playwright's _electron). They need Electron's
// runtime, which cannot be downloaded on every machine: where it is missing they are reported as
// skipped, with the reason. Everything but the Electron glue is tested in Chromium (e2e/*.test.ts).
import { _electron, type ElectronApplication } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type TestDaemon } from '../../core/testing/daemon.js';
import { binary, main, reason } from './runtime.js';

if (reason) {
  // Said on the console too, so that a run's log shows why these tests did not run.
  console.warn(`e2e/electron: skipped: ${reason}`);
  describe('Electron shell (skipped)', () => {
    it.skip(`skipped: ${reason}`, () => {});
  });
} else {
  describe('Electron shell', () => {
    let daemon: TestDaemon;
    let electron: ElectronApplication;
    beforeAll(async () => {
      daemon = await startDaemon();
      electron = await _electron.launch({
        executablePath: binary!,
        args: [main, '--state', daemon.state],
      });
    });
    afterAll(async () => {
      await electron?.close();
      await daemon?.cleanup();
    });

    it('serves the shell from its own protocol, with the level bar, in a sandboxed window', async () => {
      const page = await electron.firstWindow();
      expect(page.url()).toBe('cloison://shell/');
      await page.getByRole('tablist').waitFor();
      expect(await page.locator('[role=tab]').count()).toBe(3);
      const prefs = await electron.evaluate(({ BrowserWindow }) => {
        const wc = BrowserWindow.getAllWindows()[0]!.webContents;
        return (
          wc as unknown as { getLastWebPreferences(): Record<string, unknown> }
        ).getLastWebPreferences();
      });
      expect(prefs).toMatchObject({
        sandbox: true,
        contextIsolation: true,
        nodeIntegration: false,
      });
      expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe(
        'undefined',
      );
    });
  });
}
