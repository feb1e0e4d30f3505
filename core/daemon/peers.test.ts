// Two people on one user socket (a system install's users' group): each session is known by its
// account as the kernel says, so one person's transfers — their names, types, levels, progress —
// never reach another's session, and naming oneself after the requester does not make a transfer
// one's own. The requester's other session (the shell beside the CLI) still follows and answers it.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonClient } from '../client/client.js';
import { defaultConfigYaml, root, startDaemon, type TestDaemon } from '../testing/daemon.js';
import { hashPassphrase } from '../admin/passphrase.js';

const ALICE = 'correct horse battery';

const asRoot = process.getuid?.() === 0;

function groupId(name: string): number {
  const line = readFileSync('/etc/group', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  return Number(line!.split(':')[2]);
}

/**
 * A session of another account (nobody, in the users' group) that names itself "alice": it prints
 * every event it gets, and answers `confirm ID` and `list` lines with what the daemon said.
 */
function otherPerson(socket: string): ChildProcessWithoutNullStreams {
  const script = `
    const { DaemonClient } = await import(${JSON.stringify(join(root, 'dist/core/client/client.js'))});
    const c = await DaemonClient.connect(${JSON.stringify(socket)});
    await c.call('session.hello', { actor: 'alice' });
    c.onEvent((e) => console.log(JSON.stringify({ event: e })));
    await c.call('events.subscribe', {});
    console.log(JSON.stringify({ ready: true }));
    let buffer = '';
    process.stdin.on('data', async (d) => {
      buffer += d;
      for (let i; (i = buffer.indexOf('\\n')) >= 0; ) {
        const [cmd, id] = buffer.slice(0, i).split(' ');
        buffer = buffer.slice(i + 1);
        const call =
          cmd === 'confirm'
            ? c.call('transfers.confirm', { id })
            : cmd === 'approve'
              ? c
                  .call('session.hello', { actor: 'bob' })
                  .then(() => c.call('session.login', { account: 'ada', passphrase: ${JSON.stringify(ALICE)} }))
                  .then(() => c.call('approvals.approve', { id, reason: 'checked' }))
              : c.call('transfers.list', {});
        await call.then(
          (r) => console.log(JSON.stringify({ [cmd]: r })),
          (e) => console.log(JSON.stringify({ [cmd]: { code: e.code } })),
        );
      }
    });
  `;
  return spawn(process.execPath, ['--input-type=module', '-e', script], {
    uid: 65534,
    gid: groupId('users'),
  });
}

describe.skipIf(!asRoot)('two people on one user socket', () => {
  let daemon: TestDaemon;
  let run: string;
  let cli: DaemonClient;
  let shell: DaemonClient;
  let other: ChildProcessWithoutNullStreams;
  const otherSaid: Record<string, unknown>[] = [];
  const shellEvents: { type: string; transfer?: { id: string } }[] = [];

  const said = async (key: string) => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const found = otherSaid.find((l) => key in l);
      if (found) {
        otherSaid.splice(otherSaid.indexOf(found), 1);
        return found[key];
      }
      if (Date.now() > deadline) throw new Error(`the other person never said ${key}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  beforeAll(async () => {
    run = mkdtempSync(join(tmpdir(), 'cloison-run-'));
    const accounts = `administration:\n  accounts: [{ name: ada, role: admin, passphrase: "${await hashPassphrase(ALICE)}" }]\n`;
    daemon = await startDaemon({
      config: accounts + readFileSync(defaultConfigYaml, 'utf8'),
      wrap: (argv) => [...argv, '--run', run, '--user-group', 'users'],
    });
    const socket = join(run, 'user.sock');
    cli = await DaemonClient.connect(socket);
    shell = await DaemonClient.connect(socket);
    for (const c of [cli, shell]) await c.call('session.hello', { actor: 'alice' });
    shell.onEvent((e) => shellEvents.push(e as (typeof shellEvents)[number]));
    await shell.call('events.subscribe', {});
    other = otherPerson(socket);
    other.stderr.on('data', (d: Buffer) => process.stderr.write(`other: ${d.toString()}`));
    let out = '';
    other.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      for (let i; (i = out.indexOf('\n')) >= 0; out = out.slice(i + 1))
        otherSaid.push(JSON.parse(out.slice(0, i)) as Record<string, unknown>);
    });
    await said('ready');
  });
  afterAll(async () => {
    other?.kill();
    cli?.close();
    shell?.close();
    await daemon?.cleanup();
    await rm(run, { recursive: true, force: true });
  });

  it("keeps one person's transfer from another's session, which cannot answer it either", async () => {
    writeFileSync(join(daemon.home('office'), 'minutes.txt'), 'budget: 12 k€\n');
    const sent = await cli.call('files.send', {
      from: 'office',
      to: 'restricted',
      paths: ['minutes.txt'],
    });
    expect(sent.status).toBe('waiting-for-user');
    // The control: the requester's other session hears of it.
    const deadline = Date.now() + 20_000;
    while (!shellEvents.some((e) => e.transfer?.id === sent.id)) {
      if (Date.now() > deadline) throw new Error('the shell never heard of the transfer');
      await new Promise((r) => setTimeout(r, 50));
    }
    // Another account that calls itself alice: no event, no listing, no confirmation.
    other.stdin.write(`confirm ${sent.id}\n`);
    expect(await said('confirm')).toEqual({ code: 'NO_SUCH_TRANSFER' });
    other.stdin.write('list\n');
    expect(await said('list')).toEqual({ transfers: [] });
    expect(otherSaid.filter((l) => 'event' in l)).toEqual([]);
    // The requester's own account answers it from its other session.
    const confirmed = await shell.call('transfers.confirm', { id: sent.id });
    expect(confirmed.status).toBe('delivered');
    await new Promise((r) => setTimeout(r, 300));
    expect(otherSaid.filter((l) => 'event' in l)).toEqual([]);
  });

  it('lets no account approve its own request, whatever name it logs in with; another account may', async () => {
    writeFileSync(join(daemon.home('restricted'), 'down.txt'), 'for office\n');
    const asked = await cli.call('files.send', {
      from: 'restricted',
      to: 'office',
      paths: ['down.txt'],
      justification: 'needed',
    });
    expect(asked.status).toBe('waiting-for-approval');
    // The requester's own account, under another name, logged in as the administrator ada: refused.
    const same = await DaemonClient.connect(join(run, 'user.sock'));
    await same.call('session.hello', { actor: 'someone-else' });
    await same.call('session.login', { account: 'ada', passphrase: ALICE });
    await expect(
      same.call('approvals.approve', { id: asked.id, reason: 'mine anyway' }),
    ).rejects.toMatchObject({ code: 'APPROVER_IS_REQUESTER' });
    same.close();
    // The control: another account (another person), logged in as ada, approves it.
    other.stdin.write(`approve ${asked.id}\n`);
    expect(await said('approve')).toMatchObject({ status: 'delivered' });
  });
});
