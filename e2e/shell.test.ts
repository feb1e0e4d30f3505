// The shell as a person uses it, in Debian's Chromium through the browser host, against a real
// daemon with real levels: switching, apps on their own level's display, clipboard transfers
// allowed and denied, a PDF through the `ask` dialog, accessibility, the French UI.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Transfer } from '../core/contract/methods.js';
import {
  browserMissing,
  colouredDefaultConfig,
  displayShare,
  startShell,
  until,
  type Shell,
} from './harness.js';

const missing = browserMissing();
const RED = [255, 0, 0] as const;
const BLUE = [0, 0, 255] as const;

let shell: Shell;
let page: Page;

beforeAll(async () => {
  if (missing) return;
  shell = await startShell(colouredDefaultConfig({ internet: '#ff0000', office: '#0000ff' }));
  ({ page } = await shell.open());
});
afterAll(async () => {
  await shell?.close();
});

/** The share of a level display's pixels close to a colour. */
const share = (level: string, rgb: readonly number[]) => displayShare(page, level, rgb);

function transfers(): Promise<Transfer[]> {
  return page.evaluate(() =>
    Object.values(
      (
        window as unknown as {
          cloisonShell: { getState(): { transfers: Record<string, Transfer> } };
        }
      ).cloisonShell.getState().transfers,
    ),
  );
}

async function activeLevel(): Promise<string | null> {
  return page.locator('[role=tab][aria-selected=true]').getAttribute('data-level');
}

/** Puts text on a level's own clipboard from inside the level (xclip serves it until replaced). */
async function copyInLevel(level: string, text: string): Promise<void> {
  // Under load an xclip can lose the selection it just took, or start late: one more is started
  // each round that does not see the text, until one serves it (or the deadline passes).
  const deadline = Date.now() + 30_000;
  for (;;) {
    await shell.admin.call('compartments.run', {
      level,
      argv: ['/bin/sh', '-c', `printf '%s' '${text}' | xclip -selection clipboard -i -quiet`],
    });
    const seen = await until(
      `"${text}" on ${level}'s clipboard`,
      async () => {
        const { out } = await shell.run(level, 'xclip -selection clipboard -o');
        return out === text ? true : undefined;
      },
      5_000,
    ).catch(() => false);
    if (seen) return;
    if (Date.now() > deadline) throw new Error(`"${text}" never reached ${level}'s clipboard`);
  }
}

describe.skipIf(missing)('the shell in Chromium', () => {
  describe('the level bar', () => {
    it('shows every level with its label, a shape and its rank, the active one marked', async () => {
      const tabs = page.locator('[role=tab]');
      await expect.poll(() => tabs.count()).toBe(3);
      expect(await tabs.allInnerTexts()).toEqual([
        expect.stringMatching(/●\s*Internet\s*rank 0 · active/u),
        expect.stringMatching(/▲\s*Office\s*rank 1/u),
        expect.stringMatching(/■\s*Restricted\s*rank 2/u),
      ]);
      expect(await activeLevel()).toBe('internet');
    });

    it('switches by click, announces the new level and shows only its workspace', async () => {
      await page.getByRole('tab', { name: /Office/u }).click();
      expect(await activeLevel()).toBe('office');
      expect(await page.getByTestId('level-announcement').innerText()).toBe('Now in level Office');
      expect(await page.getByTestId('workspace-office').isVisible()).toBe(true);
      expect(await page.getByTestId('workspace-internet').isVisible()).toBe(false);
    });

    it('switches by Ctrl+Alt+N and moves the focus into the new workspace at once', async () => {
      await page.keyboard.press('Control+Alt+Digit3');
      expect(await activeLevel()).toBe('restricted');
      // The focus moved in the same task as the key press: no later key can reach the old level.
      expect(
        await page.evaluate(() =>
          document.getElementById('workspace-restricted')!.contains(document.activeElement),
        ),
      ).toBe(true);
      await page.keyboard.press('Control+Alt+Digit1');
      expect(await activeLevel()).toBe('internet');
      expect(await page.getByTestId('level-announcement').innerText()).toBe(
        'Now in level Internet',
      );
      // A digit without both modifiers is not a shortcut.
      await page.keyboard.press('Control+Digit2');
      expect(await activeLevel()).toBe('internet');
    });
  });

  describe('apps', () => {
    it('launches a native app in two levels, each seen on its own level’s display', async () => {
      await page.keyboard.press('Control+Alt+Digit1');
      await page
        .getByTestId('workspace-internet')
        .getByRole('button', { name: 'Launch Terminal' })
        .click();
      await page.keyboard.press('Control+Alt+Digit2');
      await page
        .getByTestId('workspace-office')
        .getByRole('button', { name: 'Launch Terminal' })
        .click();

      await expect.poll(() => share('office', BLUE), { timeout: 30_000 }).toBeGreaterThan(0.2);
      expect(await share('office', RED)).toBe(0);
      await page.keyboard.press('Control+Alt+Digit1');
      await expect.poll(() => share('internet', RED), { timeout: 30_000 }).toBeGreaterThan(0.2);
      expect(await share('internet', BLUE)).toBe(0);
      // Each level lists its running app, with a stop button.
      await expect.poll(() => page.getByTestId('running-count-office').innerText()).toContain('1');
      expect(
        await page
          .getByTestId('running-internet')
          .getByRole('button', { name: 'Stop Terminal' })
          .count(),
      ).toBe(1);
    });

    it('fits a running display in the window, so the level bar never scrolls away', async () => {
      await page.keyboard.press('Control+Alt+Digit2');
      await expect.poll(() => share('office', BLUE), { timeout: 30_000 }).toBeGreaterThan(0.2);
      const layout = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        width: window.innerWidth,
        bar: document.querySelector('[role=tablist]')!.getBoundingClientRect().left,
      }));
      expect(layout.scrollWidth).toBeLessThanOrEqual(layout.width);
      expect(layout.bar).toBeGreaterThanOrEqual(0);
    });

    it('stops an app from its stop button', async () => {
      await page.keyboard.press('Control+Alt+Digit2');
      const ws = page.getByTestId('workspace-office');
      await ws.getByRole('button', { name: 'Launch Terminal' }).click();
      await expect.poll(() => ws.getByRole('button', { name: 'Stop Terminal' }).count()).toBe(2);
      await ws.getByRole('button', { name: 'Stop Terminal' }).first().click();
      await expect.poll(() => ws.getByRole('button', { name: 'Stop Terminal' }).count()).toBe(1);
      const status = await shell.admin.call('levels.status', { level: 'office' });
      expect(status.levels[0]!.apps.filter((a) => a.state === 'running')).toHaveLength(1);
    });
  });

  describe('keys and level switches', () => {
    /** Key events an X client in the level saw, from xev's log in the level's home. */
    function keysSeen(level: string): string[] {
      const home = shell.daemon.home(level === 'internet' ? { id: level, ephemeral: true } : level);
      const log = existsSync(join(home, 'xev.log'))
        ? readFileSync(join(home, 'xev.log'), 'utf8')
        : '';
      return [
        ...log.matchAll(/(KeyPress|KeyRelease) event[\s\S]*?\(keysym 0x[0-9a-f]+, (\w+)\)/gu),
      ].map((m) => `${m[1] === 'KeyPress' ? '+' : '-'}${m[2]}`);
    }

    it('releases the keys held in the level left, and no key of a switch reaches either level', async () => {
      for (const level of ['internet', 'office']) {
        await shell.admin.call('levels.start', { level });
        await page
          .locator(`[data-testid=display-${level}][data-state=connected]`)
          .waitFor({ state: 'attached' });
        await shell.admin.call('compartments.run', {
          level,
          argv: ['/bin/sh', '-c', 'exec xev -event keyboard > "$HOME/xev.log"'],
        });
      }
      // Ready once xev's window has the keyboard in both: it says so with a KeymapNotify (the log
      // file alone is there as soon as the shell runs, before xev has a window).
      await until('xev focused in both levels', async () =>
        ['internet', 'office'].every((l) => {
          const log = join(
            shell.daemon.home(l === 'internet' ? { id: l, ephemeral: true } : l),
            'xev.log',
          );
          return existsSync(log) && readFileSync(log, 'utf8').includes('KeymapNotify');
        })
          ? true
          : undefined,
      );
      await page.waitForTimeout(500);
      await page.keyboard.press('Control+Alt+Digit1');
      await page.keyboard.press('KeyA');
      await page.keyboard.press('Control+Alt+Digit2');
      await page.keyboard.press('KeyB');
      await until('the keys in office', async () =>
        keysSeen('office').includes('-b') ? true : undefined,
      );
      const internet = keysSeen('internet');
      const office = keysSeen('office');
      // Internet saw its own key, and the modifiers pressed there were released by the switch.
      expect(internet).toContain('+a');
      expect(internet).toContain('-a');
      for (const k of ['Control_L', 'Alt_L']) {
        // Pressed while internet had the keyboard (so the release below is not trivially true)…
        expect(internet).toContain(`+${k}`);
        // …and released there, each as often as pressed.
        expect(internet.filter((e) => e === `+${k}`).length).toBe(
          internet.filter((e) => e === `-${k}`).length,
        );
      }
      expect(internet.some((e) => /[b2]$/u.test(e))).toBe(false);
      // Office saw what was typed after the switch, and nothing of the switch itself.
      expect(office).toEqual(expect.arrayContaining(['+b', '-b']));
      expect(office.some((e) => /^[+-](a|2|Control_L|Alt_L)$/u.test(e))).toBe(false);
    });
  });

  describe('the clipboard across levels', () => {
    it('carries text up the ranks, told in a notification with bytes, type and rule', async () => {
      await copyInLevel('internet', 'meeting at ten');
      await page.keyboard.press('Control+Alt+Digit1');
      await page.keyboard.press('Control+Shift+KeyC');
      await expect
        .poll(() => page.getByTestId('notifications').innerText())
        .toContain('Captured 14 bytes (text/plain) from internet');
      await page.keyboard.press('Control+Alt+Digit2');
      await page.keyboard.press('Control+Shift+KeyV');
      await expect
        .poll(() => page.getByTestId('notifications').innerText())
        .toMatch(/14 bytes \(text\/plain\) delivered from internet to office by rule text-up/u);
      const { out } = await shell.run('office', 'xclip -selection clipboard -o');
      expect(out).toBe('meeting at ten');
      // The paste emptied the broker's buffer: a second paste is refused, and says why.
      await page.keyboard.press('Control+Shift+KeyV');
      await expect
        .poll(() => page.getByTestId('notifications').innerText())
        .toContain('Nothing was captured');
    });

    it('refuses text down the ranks, says so, and leaves the target’s clipboard as it was', async () => {
      await copyInLevel('office', 'secret plans');
      await page.keyboard.press('Control+Alt+Digit2');
      await page.keyboard.press('Control+Shift+KeyC');
      await page.keyboard.press('Control+Alt+Digit1');
      await page.keyboard.press('Control+Shift+KeyV');
      await expect
        .poll(() => page.locator('[data-kind=error]').allInnerTexts())
        .toContainEqual(
          expect.stringMatching(/Refused: Denied: .*office to internet.*clipboard-down-denied/u),
        );
      const { out } = await shell.run('internet', 'xclip -selection clipboard -o');
      expect(out).toBe('meeting at ten');
    });
  });

  describe('files across levels', () => {
    it('sends a PDF up through the ask dialog; it arrives byte-identical and both transfers are audited', async () => {
      const pdf = Buffer.from(
        '%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n',
      );
      const digest = createHash('sha256').update(pdf).digest('hex');
      const source = shell.daemon.home({ id: 'internet', ephemeral: true });
      mkdirSync(source, { recursive: true });
      writeFileSync(join(source, 'report.pdf'), pdf);

      await page.keyboard.press('Control+Alt+Digit1');
      await page
        .getByTestId('workspace-internet')
        .getByRole('button', { name: 'Send files to level…' })
        .click();
      const dialog = page.getByTestId('send-files-dialog');
      await dialog.getByLabel(/report\.pdf/u).check();
      await dialog.getByLabel('Target level').selectOption('office');
      await expect
        .poll(() => dialog.getByTestId('send-preview').innerText())
        .toContain('report.pdf (application/pdf): The rules would decide: ask (pdf-up)');
      await dialog.getByRole('button', { name: 'Send', exact: true }).click();

      const confirm = page.getByTestId('confirm-dialog');
      await confirm.waitFor();
      expect(await confirm.innerText()).toContain(
        'The rule pdf-up asks you to confirm this transfer from Internet to Office',
      );
      expect(await confirm.getByTestId('confirm-sha256').innerText()).toBe(digest);
      expect(await confirm.innerText()).toContain('application/pdf');
      // The focus starts on the refusal, and the level bar stays visible above the dialog.
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Do not send');
      expect(await page.getByTestId('level-bar').isVisible()).toBe(true);
      const barOnTop = await page.evaluate(() => {
        const tab = document.querySelector('[role=tab]')!.getBoundingClientRect();
        const hit = document.elementFromPoint(tab.x + tab.width / 2, tab.y + tab.height / 2);
        return hit?.closest('[data-testid=level-bar]') !== null;
      });
      expect(barOnTop).toBe(true);
      await confirm.getByRole('button', { name: 'Send it' }).click();
      await confirm.waitFor({ state: 'detached' });
      await dialog.waitFor({ state: 'detached' });

      const landed = join(shell.daemon.home('office'), 'Incoming', 'internet', 'report.pdf');
      await until('the PDF in office', async () => (existsSync(landed) ? true : undefined));
      expect(createHash('sha256').update(readFileSync(landed)).digest('hex')).toBe(digest);
      await page.keyboard.press('Control+Alt+Digit2');
      await expect
        .poll(() => page.getByTestId('arrived-office').innerText())
        .toContain('from internet');

      const all = await transfers();
      const file = all.find((t) => t.kind === 'file' && t.status === 'delivered');
      const clip = all.find((t) => t.kind === 'clipboard' && t.status === 'delivered');
      expect(file && clip).toBeTruthy();
      const { entries } = await shell.admin.call('audit.tail', { count: 200 });
      const delivered = entries
        .filter((e) => e.event === 'transfer.delivered')
        .map((e) => e.transfer);
      expect(delivered).toContain(file!.id);
      expect(delivered).toContain(clip!.id);
      expect(entries.some((e) => e.event === 'transfer.denied' && e.from === 'office')).toBe(true);
    });
  });

  describe('refusing in the ask dialog', () => {
    it('Escape refuses: nothing arrives, and the refusal is told', async () => {
      const source = shell.daemon.home({ id: 'internet', ephemeral: true });
      writeFileSync(join(source, 'notes.txt'), 'not for office\n');
      await page.keyboard.press('Control+Alt+Digit1');
      await page
        .getByTestId('workspace-internet')
        .getByRole('button', { name: 'Send files to level…' })
        .click();
      const dialog = page.getByTestId('send-files-dialog');
      await dialog.getByLabel(/notes\.txt/u).check();
      await dialog.getByLabel('Target level').selectOption('office');
      await dialog.getByRole('button', { name: 'Send', exact: true }).click();
      const confirm = page.getByTestId('confirm-dialog');
      await confirm.waitFor();
      expect(await confirm.innerText()).toContain('text-files-up');
      await page.keyboard.press('Escape');
      await confirm.waitFor({ state: 'detached' });
      await expect
        .poll(() => page.locator('[data-kind=error]').allInnerTexts())
        .toContainEqual(
          expect.stringMatching(/Refused from internet to office by rule text-files-up/u),
        );
      expect(
        existsSync(join(shell.daemon.home('office'), 'Incoming', 'internet', 'notes.txt')),
      ).toBe(false);
      // The send dialog closed with the answer.
      await dialog.waitFor({ state: 'detached' });
    });
  });

  describe('keyboard-only use', () => {
    it('Ctrl+Alt+0 takes the keyboard from a running display back to the workspace panel', async () => {
      await page.keyboard.press('Control+Alt+Digit1');
      // The terminal launched earlier runs there: the switch gave its display the keyboard.
      expect(
        await page.evaluate(() =>
          document
            .querySelector('[data-testid=display-internet]')!
            .contains(document.activeElement),
        ),
      ).toBe(true);
      await page.keyboard.press('Control+Alt+Digit0');
      expect(
        await page.evaluate(() => document.activeElement?.closest('.workspace-side') !== null),
      ).toBe(true);
    });

    it('does not switch levels behind an open dialog', async () => {
      await page.keyboard.press('Control+Alt+Digit1');
      await page
        .getByTestId('workspace-internet')
        .getByRole('button', { name: 'Send files to level…' })
        .click();
      const dialog = page.getByTestId('send-files-dialog');
      await dialog.waitFor();
      await page.keyboard.press('Control+Alt+Digit3');
      expect(await activeLevel()).toBe('internet');
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      await page.keyboard.press('Control+Alt+Digit3');
      expect(await activeLevel()).toBe('restricted');
    });
  });

  describe('names from a level', () => {
    it('shows bidirectional and control characters written out, in the file browser and the ask dialog', async () => {
      const source = shell.daemon.home({ id: 'internet', ephemeral: true });
      mkdirSync(source, { recursive: true });
      // Plain text named to read as "…exe.pdf" once the override reverses its end.
      writeFileSync(join(source, 'invoice\u202etxt.exe'), 'pay now\n');
      await page.keyboard.press('Control+Alt+Digit1');
      await page
        .getByTestId('workspace-internet')
        .getByRole('button', { name: 'Send files to level…' })
        .click();
      const dialog = page.getByTestId('send-files-dialog');
      await expect.poll(() => dialog.innerText()).toContain('invoice⟨U+202E⟩txt.exe');
      await dialog.getByLabel(/invoice/u).check();
      await dialog.getByLabel('Target level').selectOption('office');
      await expect
        .poll(() => dialog.getByTestId('send-preview').innerText())
        .toContain('invoice⟨U+202E⟩txt.exe (text/plain)');
      await dialog.getByRole('button', { name: 'Send', exact: true }).click();
      const confirm = page.getByTestId('confirm-dialog');
      await confirm.waitFor();
      expect(await confirm.innerText()).toContain('invoice⟨U+202E⟩txt.exe');
      expect(await confirm.innerText()).not.toContain('\u202e');
      await page.keyboard.press('Escape');
      await confirm.waitFor({ state: 'detached' });
      await dialog.waitFor({ state: 'detached' });
    });
  });

  describe('accessibility and languages', () => {
    it('has no serious or critical axe-core violation', async () => {
      const axe = readFileSync(
        createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
        'utf8',
      );
      await page.evaluate(axe);
      const violations = await page.evaluate(async () => {
        const result = await (
          window as unknown as {
            axe: { run(): Promise<{ violations: { id: string; impact: string; help: string }[] }> };
          }
        ).axe.run();
        return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      });
      expect(violations).toEqual([]);
    });

    it('renders in French from the system locale, and the setting overrides it', async () => {
      const { page: fr } = await shell.open({ locale: 'fr-FR' });
      expect(await fr.locator('html').getAttribute('lang')).toBe('fr');
      expect(await fr.locator('[role=tab]').first().innerText()).toMatch(/rang 0 · actif/u);
      expect(
        await fr
          .getByRole('button', { name: 'Envoyer des fichiers vers un niveau…' })
          .first()
          .count(),
      ).toBe(1);
      await fr.getByLabel('Langue').selectOption('en');
      expect(await fr.locator('[role=tab]').first().innerText()).toMatch(/rank 0 · active/u);
    });
  });
});

if (missing) {
  describe('the shell in Chromium (skipped)', () => {
    it.skip(`cannot run here: ${missing}`, () => {});
  });
}
