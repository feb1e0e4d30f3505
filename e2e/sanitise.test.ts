// Sanitised file transfers as a person sees them in the shell, in Debian's Chromium through the
// browser host, against a real daemon: a PDF under a pdf-rasterise rule shows its page bar
// advancing, then arrives rebuilt; a request with an encrypted PDF is refused, naming that file and
// the reason.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root } from '../core/testing/daemon.js';
import { hostilePdf, onPdf, plainPdf } from '../core/testing/pdfs.js';
import { browserMissing, startShell, until, type Shell } from './harness.js';

const missing = browserMissing();

/** The embedded default, with PDFs from internet to office rasterised and allowed first. */
function config(): string {
  const text = readFileSync(join(root, 'assets/default-config.yaml'), 'utf8');
  return text.replace(
    /^rules:\n/mu,
    `rules:
  - id: pdf-clean
    kind: file
    from: internet
    to: office
    types: [application/pdf]
    action: allow
    sanitise: pdf-rasterise
`,
  );
}

let shell: Shell;
let page: Page;
let source: string;

beforeAll(async () => {
  if (missing) return;
  shell = await startShell(config());
  ({ page } = await shell.open());
  source = shell.daemon.home({ id: 'internet', ephemeral: true });
  mkdirSync(source, { recursive: true });
});
afterAll(async () => {
  await shell?.close();
});

/** Opens the internet workspace's send dialog, ticks `names`, picks office, and sends. */
async function send(names: string[]): Promise<void> {
  await page.keyboard.press('Control+Alt+Digit1');
  await page
    .getByTestId('workspace-internet')
    .getByRole('button', { name: 'Send files to level…' })
    .click();
  const dialog = page.getByTestId('send-files-dialog');
  for (const name of names)
    await dialog.getByLabel(new RegExp(name.replace('.', '\\.'), 'u')).check();
  await dialog.getByLabel('Target level').selectOption('office');
  await expect.poll(() => dialog.getByTestId('send-preview').innerText()).toContain('pdf-clean');
  await dialog.getByRole('button', { name: 'Send', exact: true }).click();
}

describe.skipIf(missing)('sanitised file transfers in the shell', () => {
  it('shows the page bar advancing, then the rebuilt PDF delivered', async () => {
    const pages = 60;
    writeFileSync(join(source, 'long.pdf'), plainPdf(pages));
    await send(['long.pdf']);

    // The bar, as the person sees it: its value read from the page's DOM, advancing.
    const bar = () =>
      page.evaluate(() => {
        const el = document.querySelector<HTMLProgressElement>('[data-testid=sanitising] progress');
        return el ? { value: el.value, max: el.max, text: el.closest('p')!.innerText } : null;
      });
    const first = await until(
      'the page bar',
      async () => {
        const b = await bar();
        return b && b.value >= 1 ? b : undefined;
      },
      60_000,
    );
    expect(first.max).toBe(pages);
    expect(first.text).toMatch(/pdf-rasterise is making long\.pdf safe, page \d+ of 60/u);
    const later = await until(
      'the bar to advance',
      async () => {
        const b = await bar();
        return b && b.value > first.value ? b : undefined;
      },
      60_000,
    );
    expect(later.value).toBeLessThanOrEqual(pages);

    const notes = page.getByTestId('notifications');
    await expect
      .poll(() => notes.innerText(), { timeout: 60_000 })
      .toMatch(/\(application\/pdf\) delivered from internet to office by rule pdf-clean/u);
    const landed = join(shell.daemon.home('office'), 'Incoming', 'internet', 'long.pdf');
    expect(existsSync(landed)).toBe(true);
    expect(onPdf(readFileSync(landed), 'pdfinfo', (f) => [f])).toMatch(/Pages:\s+60\n/u);
    // Done: the bar is gone.
    await expect.poll(() => page.getByTestId('sanitising').count()).toBe(0);
  });

  it('refuses a request with an encrypted PDF, naming that file and why; nothing arrives', async () => {
    const plain = join(source, 'plain-for-lock.pdf');
    writeFileSync(plain, hostilePdf(1));
    execFileSync('qpdf', [
      '--encrypt',
      '',
      'owner',
      '256',
      '--',
      plain,
      join(source, 'locked.pdf'),
    ]);
    writeFileSync(join(source, 'fine.pdf'), hostilePdf(1));
    await send(['fine.pdf', 'locked.pdf']);

    const notes = page.getByTestId('notifications');
    await expect
      .poll(() => notes.locator('[data-kind=error]').allInnerTexts(), { timeout: 60_000 })
      .toContainEqual(
        expect.stringMatching(
          /"locked\.pdf" was refused by pdf-rasterise: The PDF is encrypted.*none of its 2 files was sent/u,
        ),
      );
    const incoming = join(shell.daemon.home('office'), 'Incoming', 'internet');
    const arrived = existsSync(incoming) ? readdirSync(incoming) : [];
    expect(arrived.filter((n) => n.startsWith('fine') || n.startsWith('locked'))).toEqual([]);
    const { entries } = await shell.admin.call('audit.tail', { count: 5 });
    expect(entries.at(-1)).toMatchObject({ event: 'transfer.failed', file: 'locked.pdf' });
  });
});
