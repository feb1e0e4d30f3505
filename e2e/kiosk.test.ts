// Kiosk mode as a person meets it, in Debian's Chromium through the browser host, against a real
// daemon with real levels: only the offered levels and the apps the kiosk allows, a forbidden
// launch refused by the daemon even when the page asks directly, the idle reset (ephemeral home
// wiped, clipboard buffer emptied, back to the start level), an autostart app killed from outside
// restarted and then given up with an error page, a level's X server killed from outside healed
// (display shown again, autostart app back), and a restarted daemon reconnected to.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppProcess } from '../core/contract/methods.js';
import { descendantsOf } from '../core/levels/runtime.js';
import { root } from '../core/testing/daemon.js';
import { browserMissing, pageRpc, startShell, until, type Shell } from './harness.js';

const missing = browserMissing();

const config = `${readFileSync(join(root, 'assets/default-config.yaml'), 'utf8')}
kiosk:
  levels: [internet, office]
  autostart: [{ level: internet, app: terminal }]
  idleSeconds: 4
  restart: { maxRestarts: 2, windowSeconds: 600 }
`;

let shell: Shell;
let page: Page;

beforeAll(async () => {
  if (missing) return;
  shell = await startShell(config);
  ({ page } = await shell.open());
});
afterAll(async () => {
  await shell?.close();
});

const activeLevel = () => page.locator('[role=tab][aria-selected=true]').getAttribute('data-level');
const notes = () => page.getByTestId('notifications').locator('.note-text').allInnerTexts();

/** The running autostart terminal of `internet`, as the daemon reports it. */
async function terminal(admin = shell.admin): Promise<AppProcess | undefined> {
  const [state] = (await admin.call('levels.status', { level: 'internet' })).levels;
  return state?.apps.find((a) => a.app === 'terminal' && a.state === 'running');
}

/** The host pid of `level`'s X server: an Xvfb below the daemon whose sandbox is named for it. */
async function xServerOf(level: string): Promise<number | undefined> {
  for (const pid of await descendantsOf([shell.daemon.process.pid!])) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] !== '/usr/bin/Xvfb') continue;
      const name = execFileSync('nsenter', ['-u', '-t', String(pid), 'hostname'], {
        encoding: 'utf8',
      });
      if (name.trim() === `${level}-xvfb`) return pid;
    } catch {
      // Gone meanwhile.
    }
  }
  return undefined;
}

describe.skipIf(missing)('the kiosk in Chromium', () => {
  it('offers only its levels, starting at the lowest, and only the apps it allows', async () => {
    await expect.poll(() => page.locator('[role=tab]').count()).toBe(2);
    expect(
      await page.locator('[role=tab]').evaluateAll((t) => t.map((e) => e.dataset.level)),
    ).toEqual(['internet', 'office']);
    expect(await activeLevel()).toBe('internet');
    const internet = page.getByTestId('workspace-internet');
    // The autostart terminal, not the web browser app; office's terminal is not launchable.
    expect(await internet.locator('.launcher button').allInnerTexts()).toEqual(['Launch Terminal']);
    expect(await page.getByTestId('workspace-office').locator('.launcher button').count()).toBe(0);
    await until('the autostart terminal', terminal, 30_000);
    await expect.poll(() => internet.getByRole('button', { name: 'Stop level' }).count()).toBe(0);
  });

  it('has the daemon refuse a forbidden launch even when the page calls the API itself', async () => {
    const answer = await pageRpc(page, 'apps.launch', { level: 'office', app: 'terminal' });
    expect(answer).toMatchObject({ ok: false, error: { code: 'NOT_ALLOWED' } });
    const restricted = await pageRpc(page, 'levels.start', { level: 'restricted' });
    expect(restricted).toMatchObject({ ok: false, error: { code: 'NOT_ALLOWED' } });
    const [office] = (await shell.admin.call('levels.status', { level: 'office' })).levels;
    expect(office!.apps).toEqual([]);
  });

  it('resets the session after idleness: home wiped, clipboard buffer emptied, back to the start level', async () => {
    const leftover = join(shell.daemon.home({ id: 'internet', ephemeral: true }), 'visitor.txt');
    writeFileSync(leftover, 'the last visitor’s file');
    await shell.admin.call('compartments.run', {
      level: 'internet',
      argv: ['/bin/sh', '-c', "printf 'visitor secret' | xclip -selection clipboard -i -quiet"],
    });
    await until('the level’s clipboard', async () => {
      const { out } = await shell.run('internet', 'xclip -selection clipboard -o');
      return out === 'visitor secret' ? true : undefined;
    });
    // The first activity starts the daemon's idle clock.
    await page.keyboard.press('Control+Shift+KeyC');
    await expect
      .poll(notes, { timeout: 15_000 })
      .toContainEqual(expect.stringContaining('Captured'));
    await page.getByRole('tab', { name: /Office/u }).click();
    expect(await activeLevel()).toBe('office');
    expect(existsSync(leftover)).toBe(true);

    await expect.poll(notes, { timeout: 30_000 }).toContainEqual(expect.stringContaining('reset'));
    expect(await activeLevel()).toBe('internet');
    expect(existsSync(leftover)).toBe(false);
    await page.getByRole('tab', { name: /Office/u }).click();
    await page.keyboard.press('Control+Shift+KeyV');
    await expect
      .poll(notes, { timeout: 15_000 })
      .toContainEqual(expect.stringContaining('Nothing was captured'));
    // That activity starts one more reset; it comes, and the kiosk stays quiet after it.
    const resets = async () => (await notes()).filter((n) => n.includes('reset')).length;
    await expect.poll(resets, { timeout: 30_000 }).toBe(2);
    await until('the autostart terminal after the reset', terminal, 30_000);
  });

  it('restarts the autostart app killed from outside, then shows an error page instead of looping', async () => {
    const killed: string[] = [];
    for (let crashes = 1; crashes <= 3; crashes++) {
      const app = await until(
        'a fresh terminal',
        async () => {
          const t = await terminal();
          return t && !killed.includes(t.id) ? t : undefined;
        },
        30_000,
      );
      killed.push(app.id);
      process.kill(app.pid!, 'SIGKILL');
      if (crashes < 3) {
        await expect
          .poll(notes, { timeout: 30_000 })
          .toContainEqual(expect.stringContaining('was restarted in level internet'));
      }
    }
    const errorPage = page.getByTestId('kiosk-error-internet');
    await errorPage.waitFor({ timeout: 30_000 });
    expect(await errorPage.innerText()).toMatch(
      /Terminal stopped working[\s\S]*ended 3 times within 600 s/u,
    );
    expect(await terminal()).toBeUndefined();
    // The level still runs: its display stays under the error, for its other apps.
    expect(await page.getByTestId('display-internet').count()).toBe(1);
    // The person may try again: the app runs, the error page goes.
    await errorPage.getByRole('button', { name: 'Try again' }).click();
    await until('the terminal launched again', terminal, 30_000);
    await expect.poll(() => errorPage.count(), { timeout: 15_000 }).toBe(0);
  });

  it('heals a level whose X server is killed: the display comes back, and the autostart app', async () => {
    const display = page.getByTestId('display-internet');
    await expect.poll(() => display.getAttribute('data-state')).toBe('connected');
    const before = await until('a terminal', terminal, 30_000);
    const server = await until('the X server of internet', () => xServerOf('internet'));
    process.kill(server, 'SIGKILL');
    await expect
      .poll(notes, { timeout: 30_000 })
      .toContainEqual(expect.stringContaining('The display of level internet was restarted'));
    // The view made its connection again by itself, to the new server.
    await expect
      .poll(() => display.getAttribute('data-state'), { timeout: 30_000 })
      .toBe('connected');
    const again = await until('the X server again', async () => {
      const pid = await xServerOf('internet');
      return pid !== undefined && pid !== server ? pid : undefined;
    });
    expect(again).not.toBe(server);
    // The terminal lost its display with the old server; the kiosk started it again on the new one.
    const after = await until(
      'the terminal on the new display',
      async () => {
        const t = await terminal();
        return t && t.id !== before.id ? t : undefined;
      },
      30_000,
    );
    expect(after.state).toBe('running');
    expect(await page.getByTestId('kiosk-error-internet').count()).toBe(0);
  });

  it('reconnects to a restarted daemon and shows the same levels', async () => {
    const before = await page
      .locator('[role=tab]')
      .evaluateAll((t) => t.map((e) => e.dataset.level));
    await shell.daemon.stop();
    await page.getByTestId('daemon-banner').waitFor({ timeout: 15_000 });
    await shell.daemon.restart();
    await expect.poll(() => page.getByTestId('daemon-banner').count(), { timeout: 30_000 }).toBe(0);
    expect(
      await page.locator('[role=tab]').evaluateAll((t) => t.map((e) => e.dataset.level)),
    ).toEqual(before);
    await expect.poll(notes).toContainEqual(expect.stringContaining('Reconnected'));
    // The new daemon started the autostart terminal again, and the page's calls reach it.
    const admin = await shell.daemon.client('admin');
    try {
      await until('the autostart terminal of the new daemon', () => terminal(admin), 30_000);
      const status = await pageRpc(page, 'kiosk.status');
      expect(status).toMatchObject({
        ok: true,
        result: { enabled: true, levels: ['internet', 'office'] },
      });
    } finally {
      admin.close();
    }
  });
});
