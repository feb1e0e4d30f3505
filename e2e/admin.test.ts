// Administration as people do it in the shell, in Debian's Chromium through the browser host,
// against a real daemon: bob works in his shell; alice administers from her own shell (another
// host on the same daemon, as at another desk); audrey audits. Rules edited, validated, dry-run,
// replayed, saved and rolled back; approvals decided; the audit viewer read and exported.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassphrase } from '../core/admin/passphrase.js';
import { tailAudit } from '../core/audit/index.js';
import { root, startDaemon, type TestDaemon } from '../core/testing/daemon.js';
import { startHost, type Host } from '../host/server.js';
import { browserMissing, CHROMIUM, CHROMIUM_ARGS, pageRpc, until } from './harness.js';

const missing = browserMissing();
const ALICE = 'alice passphrase, long enough';
const AUDREY = 'audrey passphrase, long enough';
const FAILURE_DELAY_MS = 1000;
const CASES = '/work/shared/cases/documents';

const config = (accounts: string) => `administration:
  idleMinutes: 15
  failureDelayMs: ${FAILURE_DELAY_MS}
  accounts:
${accounts}
levels:
  - { id: internet, label: Internet, colour: "#c0392b", rank: 0, network: none }
  - { id: office, label: Office, colour: "#2471a3", rank: 1, network: none }
rules:
  - id: text-up
    kind: clipboard
    from: "*"
    to: up
    types: [text/plain]
    action: allow
  - id: pdf-approve
    kind: file
    from: internet
    to: office
    types: [application/pdf]
    action: approve
`;

/** Waits for what the page shows (the daemon answers at the machine's pace, not a timer's). */
const poll = <T>(probe: () => Promise<T>) => expect.poll(probe, { timeout: 20_000 });

let daemon: TestDaemon;
let userHost: Host;
let adminHost: Host;
let browser: Browser;
/** bob's shell (user host), alice's shell (admin host). */
let bob: Page;
let alice: Page;

async function openPage(host: Host): Promise<Page> {
  const context = await browser.newContext({
    locale: 'en-GB',
    viewport: { width: 1400, height: 900 },
    acceptDownloads: true,
  });
  const page = await context.newPage();
  await page.goto(host.newOpeningUrl());
  await page.getByRole('tablist').waitFor();
  await page.locator('[role=tab]').first().waitFor();
  return page;
}

/** A call as the page makes it: through the host's /rpc, with what the tab holds. */
const rpc = pageRpc;

function notifications(page: Page): Promise<string> {
  return page.getByTestId('notifications').innerText();
}

const internetHome = () => daemon.home('internet');
const landed = (name: string) => join(daemon.home('office'), 'Incoming', 'internet', name);

/** bob sends one file of internet's home to office through the "Send files to level…" dialog. */
async function sendFile(name: string): Promise<void> {
  await bob.keyboard.press('Control+Alt+Digit1');
  await bob
    .getByTestId('workspace-internet')
    .getByRole('button', { name: 'Send files to level…' })
    .click();
  const dialog = bob.getByTestId('send-files-dialog');
  await dialog.getByLabel(new RegExp(name.replace('.', '\\.'), 'u')).check();
  await dialog.getByLabel('Target level').selectOption('office');
  const notes = bob.getByTestId('notifications').locator('li');
  const newest = () =>
    notes
      .last()
      .getAttribute('data-note', { timeout: 1000 })
      .catch(() => null);
  const before = await newest();
  await dialog.getByRole('button', { name: 'Send', exact: true }).click();
  // Every outcome (delivered, waiting, refused) is told in a new notification, the newest last
  // (the shell keeps a few at most, so their number says nothing).
  await until('the send to be answered', async () =>
    (await newest()) !== before ? true : undefined,
  );
  // A denial leaves the dialog open; anything else closes it.
  if ((await dialog.count()) > 0) await dialog.press('Escape', { timeout: 5000 }).catch(() => {});
  await dialog.waitFor({ state: 'detached' });
}

async function png(colour: string): Promise<Buffer> {
  return sharp({ create: { width: 8, height: 8, channels: 3, background: colour } })
    .png()
    .toBuffer();
}

async function loginAs(page: Page, account: string, passphrase: string): Promise<void> {
  const console = page.getByTestId('admin-console');
  if ((await console.count()) === 0) {
    await page.getByRole('button', { name: 'Administration' }).click();
  }
  await console.getByLabel('Account').fill(account);
  await console.getByLabel('Passphrase').fill(passphrase);
  await console.getByRole('button', { name: 'Log in' }).click();
  await console.getByTestId('admin-who').waitFor();
}

async function axeViolations(page: Page) {
  const axe = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axe);
  const { violations } = await page.evaluate(() =>
    (
      window as unknown as {
        axe: { run(): Promise<{ violations: { id: string; impact: string; help: string }[] }> };
      }
    ).axe.run(),
  );
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

beforeAll(async () => {
  if (missing) return;
  const accounts = [
    `    - { name: alice, role: admin, passphrase: "${await hashPassphrase(ALICE)}" }`,
    `    - { name: audrey, role: auditor, passphrase: "${await hashPassphrase(AUDREY)}" }`,
  ].join('\n');
  daemon = await startDaemon({ config: config(accounts) });
  const rendererDir = join(root, 'dist/renderer');
  userHost = await startHost({ userSocket: daemon.paths.userSocket, actor: 'bob', rendererDir });
  adminHost = await startHost({
    userSocket: daemon.paths.userSocket,
    actor: 'alice',
    rendererDir,
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  bob = await openPage(userHost);
  alice = await openPage(adminHost);
  mkdirSync(internetHome(), { recursive: true });
}, 120_000);
afterAll(async () => {
  await browser?.close().catch(() => {});
  await userHost?.close();
  await adminHost?.close();
  await daemon?.cleanup();
});

describe.skipIf(missing)('administration in the shell', () => {
  describe('before any login', () => {
    it('gets the daemon’s NOT_ALLOWED for every administration method, and the host’s refusal for the rest', async () => {
      for (const [method, params] of [
        ['config.show', {}],
        ['config.validate', { text: 'levels: []' }],
        ['config.apply', { text: 'levels: []', reason: 'take over' }],
        ['config.rollback', { version: 1, reason: 'take over' }],
        ['approvals.list', {}],
        ['approvals.approve', { id: 't-x', reason: 'mine' }],
        ['audit.search', {}],
        ['audit.verify', {}],
        ['audit.export', {}],
      ] as const) {
        const answer = await rpc(bob, method, params);
        expect(answer.ok, method).toBe(false);
        expect(answer.error?.code, method).toBe('NOT_ALLOWED');
      }
      // Never in the shell's contract, logged in or not.
      const run = await rpc(bob, 'compartments.run', { level: 'office', argv: ['/bin/true'] });
      expect(run.error?.code).toBe('UNKNOWN_METHOD');
      // Still validated by the host against the contract: bad params never reach the daemon.
      const bad = await rpc(bob, 'config.apply', { text: 1, reason: 'x' });
      expect(bad.error?.code).toBe('INVALID_PARAMS');
      // The live tail is not served without an admin session.
      const refused = await bob.evaluate(
        () =>
          new Promise<boolean>((resolve) => {
            const ws = new WebSocket(`${location.origin.replace(/^http/u, 'ws')}/admin-events`);
            ws.onopen = () => resolve(false);
            ws.onerror = () => resolve(true);
          }),
      );
      expect(refused).toBe(true);
    });
  });

  describe('logging in', () => {
    it('refuses a wrong passphrase, says so, and answers the next attempt only after the daemon’s delay', async () => {
      await alice.getByRole('button', { name: 'Administration' }).click();
      const console = alice.getByTestId('admin-console');
      await console.getByLabel('Account').fill('alice');
      await console.getByLabel('Passphrase').fill('not the passphrase');
      await console.getByRole('button', { name: 'Log in' }).click();
      await poll(() => console.getByTestId('admin-notice').innerText()).toMatch(
        /Wrong account or passphrase/u,
      );
      const started = Date.now();
      await console.getByLabel('Passphrase').fill('still not it');
      await console.getByRole('button', { name: 'Log in' }).click();
      await poll(() => console.getByRole('button', { name: 'Log in' }).isEnabled()).toBe(true);
      // A lower bound only: the daemon waited before it answered.
      expect(Date.now() - started).toBeGreaterThanOrEqual(FAILURE_DELAY_MS);
      expect(await console.getByTestId('admin-who').count()).toBe(0);
      const refused = (await tailAudit(daemon.paths.audit, 50)).filter(
        (e) => e.event === 'admin.login.refused',
      );
      expect(refused.at(-1)).toMatchObject({ account: 'alice', failures: 2 });
    });

    it('opens the session from the keyboard alone, with the right passphrase', async () => {
      const console = alice.getByTestId('admin-console');
      await console.getByLabel('Account').focus();
      await alice.keyboard.press('Control+A');
      await alice.keyboard.type('alice');
      await alice.keyboard.press('Tab');
      await alice.keyboard.press('Control+A');
      await alice.keyboard.type(ALICE);
      await alice.keyboard.press('Enter');
      await poll(() => console.getByTestId('admin-who').innerText()).toMatch(
        /alice \(administrator\)/u,
      );
      await poll(() => console.getByTestId('config-status').innerText()).toBe('Valid.');
      expect(await axeViolations(alice)).toEqual([]);
    });
  });

  describe('the rules editor', () => {
    it('a PNG from internet to office is denied before any change', async () => {
      writeFileSync(join(internetHome(), 'before.png'), await png('#ff0000'));
      await sendFile('before.png');
      await poll(() => notifications(bob)).toMatch(/Refused: Denied: "before\.png"/u);
      expect(existsSync(landed('before.png'))).toBe(false);
    });

    it('adds a rule in the table; the text follows and the daemon validates it', async () => {
      const console = alice.getByTestId('admin-console');
      await console.getByRole('button', { name: 'Add a rule' }).click();
      const cell = (field: string) => console.getByLabel(`${field} (rule-3)`);
      await cell('Id').fill('png-internet-office');
      const row = (field: string) => console.getByLabel(`${field} (png-internet-office)`);
      await row('From').fill('internet');
      await row('To').fill('office');
      await row('Types').fill('image/png');
      await row('Action').fill('allow');
      await poll(() => console.getByTestId('config-status').innerText()).toBe('Valid.');
      const text = await console.getByLabel('Configuration text (YAML)').inputValue();
      expect(text).toMatch(/id: png-internet-office/u);
      expect(await console.getByTestId('config-diff').innerText()).toMatch(
        /\+ .*png-internet-office/u,
      );
    });

    it('shows an invalid edit’s error at its line and field, and cannot save it', async () => {
      const console = alice.getByTestId('admin-console');
      const area = console.getByLabel('Configuration text (YAML)');
      const good = await area.inputValue();
      const lines = good.split('\n');
      const lastAllow = lines
        .map((l, i) => (/^\s+action: allow$/u.test(l) ? i : -1))
        .filter((i) => i >= 0)
        .at(-1)!;
      lines[lastAllow] = lines[lastAllow]!.replace('allow', 'alow');
      await area.fill(lines.join('\n'));
      const problem = console.getByTestId('config-problems').locator('li').first();
      await problem.waitFor();
      expect(await problem.getAttribute('data-line')).toBe(String(lastAllow + 1));
      expect(await problem.innerText()).toMatch(
        new RegExp(
          `Line ${lastAllow + 1}, column \\d+: rules\\[2\\]\\.action "alow": expected one of`,
          'u',
        ),
      );
      // The table marks the cell too.
      expect(
        await console.getByLabel('Action (png-internet-office)').getAttribute('aria-invalid'),
      ).toBe('true');
      await console.getByLabel('Reason').first().fill('try to save a broken text');
      expect(await console.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true);
      // The daemon refuses it whole too, whatever the page would send.
      const applied = await rpc(alice, 'config.apply', {
        text: lines.join('\n'),
        reason: 'broken',
      });
      expect(applied.error?.code).toBe('INVALID_CONFIG');
      await area.fill(good);
      await poll(() => console.getByTestId('config-status').innerText()).toBe('Valid.');
    });

    it('the dry-run names the new rule, and the replay finds the denied PNG it would let through', async () => {
      const console = alice.getByTestId('admin-console');
      await console.getByRole('button', { name: 'Dry run' }).click();
      await console.getByLabel('From', { exact: true }).selectOption('internet');
      await console.getByLabel('To', { exact: true }).selectOption('office');
      await console.getByLabel('Type').fill('image/png');
      await console.getByRole('button', { name: 'Explain' }).click();
      await poll(() => console.getByTestId('dry-run-result').innerText()).toMatch(
        /allow by rule png-internet-office/u,
      );
      await console.getByRole('button', { name: 'Replay' }).click();
      await poll(() => console.getByTestId('replay-result').innerText()).toMatch(
        /1 would be decided otherwise/u,
      );
      const changed = await console.getByTestId('replay-result').innerText();
      expect(changed).toMatch(/deny \(default-deny\)/u);
      expect(changed).toMatch(/allow \(png-internet-office\)/u);
    });

    it('saves with a reason; the PNG that was denied now passes', async () => {
      const console = alice.getByTestId('admin-console');
      await console.getByRole('button', { name: 'Rules' }).click();
      const save = console.getByRole('button', { name: 'Save' });
      await console.getByLabel('Reason').fill('PNG screenshots for the office');
      await poll(() => save.isEnabled()).toBe(true);
      await save.click();
      await poll(() => notifications(alice)).toMatch(/saved as version 2/u);
      writeFileSync(join(internetHome(), 'after.png'), await png('#00ff00'));
      await sendFile('after.png');
      await until('after.png in office', async () =>
        existsSync(landed('after.png')) ? true : undefined,
      );
      await poll(() => notifications(bob)).toMatch(/png-internet-office/u);
    });

    it('rolls back to the first version, and the denial is back', async () => {
      const console = alice.getByTestId('admin-console');
      await console.getByRole('button', { name: 'History' }).click();
      const history = console.getByTestId('config-history');
      await history.locator('tr[data-version="2"]').waitFor();
      await console.getByLabel('Reason').fill('screenshots no longer needed');
      await console.getByRole('button', { name: 'Roll back to version 1' }).click();
      await poll(() => notifications(alice)).toMatch(/Version 1 is in force again/u);
      writeFileSync(join(internetHome(), 'again.png'), await png('#0000ff'));
      await sendFile('again.png');
      await poll(() => bob.getByTestId('notifications').locator('li').last().innerText()).toMatch(
        /Refused: Denied: "again\.png"/u,
      );
      expect(existsSync(landed('again.png'))).toBe(false);
    });

    it('the audit viewer shows the changes with their reasons, and exports them', async () => {
      const console = alice.getByTestId('admin-console');
      await console.getByRole('button', { name: 'Audit log' }).click();
      await poll(() => console.getByTestId('audit-verify').innerText()).toMatch(
        /Chain verified: \d+ entries/u,
      );
      await console.getByLabel('Actor').fill('alice');
      await console.getByRole('button', { name: 'Search' }).click();
      const results = console.getByTestId('audit-results');
      await poll(() => results.locator('tr[data-event="config.changed"]').count()).toBe(2);
      const text = await results.innerText();
      expect(text).toContain('PNG screenshots for the office');
      expect(text).toContain('screenshots no longer needed (rollback to version 1)');
      // Only alice's entries match her filter.
      const actors = await results.locator('tbody tr td:nth-child(3)').allInnerTexts();
      expect(actors.length).toBeGreaterThan(0);
      for (const actor of actors) expect(actor).toMatch(/alice/u);

      const [jsonl] = await Promise.all([
        alice.waitForEvent('download'),
        console.getByRole('button', { name: 'Export as JSON Lines' }).click(),
      ]);
      const lines = readFileSync((await jsonl.path())!, 'utf8')
        .trim()
        .split('\n');
      const entries = lines.map((l) => JSON.parse(l) as { event: string; reason?: string });
      expect(entries.filter((e) => e.event === 'config.changed').map((e) => e.reason)).toEqual([
        'PNG screenshots for the office',
        'screenshots no longer needed (rollback to version 1)',
      ]);
      const [csv] = await Promise.all([
        alice.waitForEvent('download'),
        console.getByRole('button', { name: 'Export as CSV' }).click(),
      ]);
      const rows = readFileSync((await csv.path())!, 'utf8')
        .trim()
        .split('\n');
      expect(rows[0]).toMatch(/^seq,time,actor,event,/u);
      expect(rows).toHaveLength(lines.length + 1);
      expect(rows.some((r) => r.includes('config.changed') && r.includes('PNG screenshots'))).toBe(
        true,
      );
      expect(await axeViolations(alice)).toEqual([]);
    });

    it('the live tail shows bob’s transfers as they are audited', async () => {
      const tail = alice.getByTestId('admin-console').getByTestId('audit-tail');
      writeFileSync(join(internetHome(), 'tail.png'), await png('#ffff00'));
      await sendFile('tail.png');
      await poll(() => tail.locator('tr[data-event="transfer.denied"]').count()).toBeGreaterThan(0);
    });
  });

  describe('approvals', () => {
    const copy = (name: string) => {
      const bytes = readFileSync(join(CASES, name));
      writeFileSync(join(internetHome(), name), bytes);
      return createHash('sha256').update(bytes).digest('hex');
    };

    it('an approve transfer waits in the queue, shown in full, is approved by alice and arrives', async () => {
      const digest = copy('alphatrans.pdf');
      await sendFile('alphatrans.pdf');
      await poll(() => notifications(bob)).toMatch(
        /waits for an administrator \(rule pdf-approve\)/u,
      );
      expect(existsSync(landed('alphatrans.pdf'))).toBe(false);
      const console = alice.getByTestId('admin-console');
      await console.getByRole('button', { name: 'Approvals' }).click();
      const item = console.locator('li.approval').filter({ hasText: 'alphatrans.pdf' });
      await item.waitFor();
      const shown = await item.innerText();
      expect(shown).toContain('bob');
      expect(shown).toContain('application/pdf');
      expect(shown).toContain(digest);
      expect(shown).toContain('pdf-approve');
      expect(shown).toContain(String(readFileSync(join(CASES, 'alphatrans.pdf')).length));
      await item.getByLabel(/Reason for transfer/u).fill('checked with bob');
      await item.getByRole('button', { name: 'Approve' }).click();
      await until('alphatrans.pdf in office', async () =>
        existsSync(landed('alphatrans.pdf')) ? true : undefined,
      );
      expect(
        createHash('sha256')
          .update(readFileSync(landed('alphatrans.pdf')))
          .digest('hex'),
      ).toBe(digest);
      await poll(() => notifications(bob)).toMatch(
        /delivered from internet to office by rule pdf-approve/u,
      );
    });

    it('bob cannot approve his own request, even logged in as an administrator from his shell', async () => {
      copy('attachment.pdf');
      await sendFile('attachment.pdf');
      const waiting = await until('attachment.pdf queued', async () => {
        const list = await rpc(alice, 'approvals.list');
        const found = (
          list.result as { approvals: { id: string; items: { name?: string }[] }[] }
        ).approvals.find((a) => a.items.some((i) => i.name === 'attachment.pdf'));
        return found;
      });
      await loginAs(bob, 'alice', ALICE);
      const own = await rpc(bob, 'approvals.approve', { id: waiting.id, reason: 'mine anyway' });
      expect(own.error?.code).toBe('APPROVER_IS_REQUESTER');
      expect(own.error?.message).toMatch(/requested by bob; someone else must approve it/u);
      await bob.getByTestId('admin-console').getByRole('button', { name: 'Log out' }).click();
      await poll(() => bob.getByTestId('admin-notice').innerText()).toBe(
        'The administration session is closed.',
      );
      // Logged out: the daemon refuses again.
      expect((await rpc(bob, 'approvals.list')).error?.code).toBe('NOT_ALLOWED');
      await bob.getByRole('button', { name: 'Close administration' }).click();
    });

    it('a rejected transfer never arrives, and bob is told why', async () => {
      const console = alice.getByTestId('admin-console');
      await console.getByRole('button', { name: 'Refresh' }).click();
      const item = console.locator('li.approval').filter({ hasText: 'attachment.pdf' });
      await item.waitFor();
      await item.getByLabel(/Reason for transfer/u).fill('attachments stay outside');
      await item.getByRole('button', { name: 'Reject' }).click();
      await poll(() => notifications(bob)).toMatch(/attachments stay outside/u);
      await poll(() => console.locator('li.approval').count()).toBe(0);
      expect(existsSync(landed('attachment.pdf'))).toBe(false);
    });
  });

  describe('the auditor', () => {
    it('reads the rules and the audit log, and changes nothing', async () => {
      const audrey = await openPage(adminHost);
      await loginAs(audrey, 'audrey', AUDREY);
      const console = audrey.getByTestId('admin-console');
      expect(await console.getByTestId('admin-who').innerText()).toMatch(/audrey \(auditor\)/u);
      await poll(() => console.getByTestId('rules-table').innerText()).toMatch(/pdf-approve/u);
      expect(
        await console.getByLabel('Configuration text (YAML)').getAttribute('readonly'),
      ).not.toBeNull();
      expect(await console.getByRole('button', { name: 'Save' }).count()).toBe(0);
      expect(await console.getByRole('button', { name: 'Approvals' }).count()).toBe(0);
      expect(await console.getByRole('button', { name: 'Dry run' }).count()).toBe(0);
      // The console offers nothing; the daemon refuses what the page might send anyway.
      const shown = await rpc(audrey, 'config.show');
      for (const [method, params] of [
        ['config.apply', { text: (shown.result as { text: string }).text, reason: 'auditor edit' }],
        ['config.rollback', { version: 2, reason: 'auditor rollback' }],
        ['approvals.list', {}],
      ] as const) {
        const answer = await rpc(audrey, method, params);
        expect(answer.error?.code, method).toBe('NOT_ALLOWED');
      }
      await console.getByRole('button', { name: 'Audit log' }).click();
      await poll(() => console.getByTestId('audit-verify').innerText()).toMatch(/Chain verified/u);
      await poll(() => console.getByTestId('audit-results').locator('tr').count()).toBeGreaterThan(
        1,
      );
      expect(await axeViolations(audrey)).toEqual([]);
      await audrey.context().close();
    });
  });
});

describe.skipIf(missing)('an idle administration session', () => {
  it('is closed by the daemon, and the shell says so and offers the login again', async () => {
    const accounts = `    - { name: audrey, role: auditor, passphrase: "${await hashPassphrase(AUDREY)}" }`;
    // idleMinutes 0.05: three seconds without an administration call.
    const idle = await startDaemon({
      config: config(accounts).replace('idleMinutes: 15', 'idleMinutes: 0.05'),
    });
    const host = await startHost({
      userSocket: idle.paths.userSocket,
      actor: 'audrey',
      rendererDir: join(root, 'dist/renderer'),
    });
    try {
      const page = await openPage(host);
      await loginAs(page, 'audrey', AUDREY);
      const console = page.getByTestId('admin-console');
      await poll(() => console.getByTestId('admin-notice').innerText()).toBe(
        'The administration session closed: idle for 0.05 minutes',
      );
      expect(await notifications(page)).toContain('idle for 0.05 minutes');
      expect(await console.getByLabel('Passphrase').isVisible()).toBe(true);
      // The host forgot the session with the daemon: its id opens nothing any more.
      expect((await rpc(page, 'audit.verify')).error?.code).toBe('NOT_ALLOWED');
      await page.context().close();
    } finally {
      await host.close();
      await idle.cleanup();
    }
  });
});
