// End-to-end tests of the Electron shell itself (Playwright's _electron). They need Electron's
// runtime, which cannot be downloaded on every machine: where it is missing they are reported as
// skipped, with the reason. Everything but the Electron glue is tested in Chromium (e2e/*.test.ts).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { _electron, type ElectronApplication } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root, startDaemon, type TestDaemon } from '../../core/testing/daemon.js';

function electronBinary(): string | undefined {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown;
    return typeof path === 'string' && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

const binary = electronBinary();
const main = join(root, 'dist/electron/main.cjs');
const reason = !binary
  ? 'no Electron runtime installed (node_modules/electron has no binary: ELECTRON_SKIP_BINARY_DOWNLOAD, or no network)'
  : !existsSync(main)
    ? 'the Electron glue is not built (npm run build)'
    : undefined;

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
