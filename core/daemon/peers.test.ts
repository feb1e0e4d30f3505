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
import { root, startDaemon, type TestDaemon } from '../testing/daemon.js';

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
        const call = cmd === 'confirm' ? c.call('transfers.confirm', { id }) : c.call('transfers.list', {});
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
    daemon = await startDaemon({
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
});
