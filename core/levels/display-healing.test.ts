// A level's display healing itself, through the daemon's API with real Xvfb, window manager and
// x11vnc, killed from outside as a crash (or a hostile app crashing the X server) would: the X
// server comes back and the level's compartment, started before, draws on the new one; a
// remote-display server that dies alone comes back while the level's apps keep running; and an X
// server that keeps dying is given up on, the level stopped and said so, rather than looped on.
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonClient } from '../client/client.js';
import type { Event } from '../contract/methods.js';
import { tailAudit } from '../audit/index.js';
import { descendantsOf } from './runtime.js';
import { startDaemon, type TestDaemon } from '../testing/daemon.js';

const config = `
levels:
  - { id: low, label: Low, colour: "#00aa00", rank: 0 }
rules: []
`;

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  deadlineMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The host pid of the live process below `root` whose command line starts with `program`. */
async function pidOf(root: number, program: string): Promise<number | undefined> {
  for (const pid of await descendantsOf([root])) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] === program) return pid;
    } catch {
      // Gone meanwhile.
    }
  }
  return undefined;
}

/** The first bytes a VNC server says on `socket` (the RFB version), or the connection's error. */
function greeting(socket: string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(socket);
    let got = '';
    const timer = setTimeout(() => {
      s.destroy();
      resolve(got || 'silent');
    }, 5000);
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.length >= 12) {
        clearTimeout(timer);
        s.destroy();
        resolve(got.slice(0, 12));
      }
    });
    s.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(e.code ?? e.message);
    });
  });
}

describe('a level whose display process dies', () => {
  let daemon: TestDaemon;
  let user: DaemonClient;
  let admin: DaemonClient;
  const events: Event[] = [];

  const status = async () => (await user.call('levels.status', { level: 'low' })).levels[0]!;

  /** Runs a shell command in the level and waits for its output, left in the level's home. */
  async function shell(command: string): Promise<{ code: number; out: string }> {
    const tag = `.run-${randomBytes(4).toString('hex')}`;
    await admin.call('compartments.run', {
      level: 'low',
      argv: [
        '/bin/sh',
        '-c',
        `(${command}) > "$HOME/${tag}.out" 2>&1; echo $? > "$HOME/${tag}.part"; mv "$HOME/${tag}.part" "$HOME/${tag}.rc"`,
      ],
    });
    const rc = join(daemon.home('low'), `${tag}.rc`);
    return until(`"${command}" in the level`, () =>
      existsSync(rc)
        ? {
            code: Number(readFileSync(rc, 'utf8').trim()),
            out: readFileSync(join(daemon.home('low'), `${tag}.out`), 'utf8'),
          }
        : undefined,
    );
  }

  const displayEvents = (outcome: 'restarted' | 'failed') =>
    events.filter((e) => e.type === 'level.display' && e.outcome === outcome);

  beforeAll(async () => {
    daemon = await startDaemon({ config });
    user = await daemon.client('user');
    admin = await daemon.client('admin');
    await user.call('events.subscribe', {});
    user.onEvent((e) => events.push(e as Event));
    await user.call('levels.start', { level: 'low' });
  });

  afterAll(async () => {
    user?.close();
    admin?.close();
    await daemon?.cleanup();
  });

  it('restarts a killed X server, which the compartment started before it draws on', async () => {
    // The level's compartment (its launcher) exists before the crash: what it sees of the
    // display must follow the new server, not the old one's socket.
    expect(await shell('xdpyinfo -display :0 >/dev/null && echo drawn')).toEqual({
      code: 0,
      out: 'drawn\n',
    });
    const before = (await pidOf(daemon.process.pid!, '/usr/bin/Xvfb'))!;
    expect(before).toBeGreaterThan(0);
    process.kill(before, 'SIGKILL');
    await until('the display restarted', () =>
      displayEvents('restarted').length > 0 ? true : undefined,
    );
    const after = await pidOf(daemon.process.pid!, '/usr/bin/Xvfb');
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    expect((await status()).running).toBe(true);
    expect(await shell('xdpyinfo -display :0 >/dev/null && echo drawn')).toEqual({
      code: 0,
      out: 'drawn\n',
    });
    // The shell's way in, the relay, reaches the new remote-display server.
    expect(await greeting((await status()).display!.vncSocket)).toBe('RFB 003.008\n');
    const [event] = displayEvents('restarted');
    expect(event).toMatchObject({ level: 'low', message: expect.stringMatching(/xvfb/) });
    const entry = (await tailAudit(daemon.paths.audit, 50)).find(
      (e) => e.event === 'level.display-restarted',
    );
    expect(entry).toMatchObject({
      level: 'low',
      ended: expect.arrayContaining([{ process: 'xvfb', exitCode: 137 }]),
    });
  });

  it('restarts a killed remote-display server alone: the level’s apps keep their display', async () => {
    events.length = 0;
    const app = await admin.call('compartments.run', {
      level: 'low',
      argv: ['xterm', '-e', 'sleep 600'],
    });
    const xvfb = await pidOf(daemon.process.pid!, '/usr/bin/Xvfb');
    const vnc = (await pidOf(daemon.process.pid!, '/usr/bin/x11vnc'))!;
    process.kill(vnc, 'SIGKILL');
    await until('the remote display restarted', () =>
      displayEvents('restarted').length > 0 ? true : undefined,
    );
    expect(displayEvents('restarted')[0]).toMatchObject({
      message: expect.stringMatching(/x11vnc/),
    });
    expect(await greeting((await status()).display!.vncSocket)).toBe('RFB 003.008\n');
    expect(await pidOf(daemon.process.pid!, '/usr/bin/Xvfb')).toBe(xvfb);
    const apps = (await status()).apps;
    expect(apps.find((a) => a.id === app.id)?.state).toBe('running');
  });

  it('gives up on an X server that keeps dying: the level is stopped, audited and said', async () => {
    events.length = 0;
    let last: number | undefined;
    // One more end than the restarts allowed within the minute.
    for (let i = 0; i < 4 && displayEvents('failed').length === 0; i++) {
      const pid = await until('a new X server', async () => {
        const p = await pidOf(daemon.process.pid!, '/usr/bin/Xvfb');
        return p !== undefined && p !== last ? p : undefined;
      });
      last = pid;
      process.kill(pid, 'SIGKILL');
      await until('the end handled', () =>
        displayEvents('restarted').length + displayEvents('failed').length > i ? true : undefined,
      );
    }
    expect(displayEvents('restarted').length).toBeLessThanOrEqual(3);
    const [failed] = displayEvents('failed');
    expect(failed).toMatchObject({
      level: 'low',
      message: expect.stringMatching(/stopped: its display ended \d+ times within 60 s/),
    });
    expect((await status()).running).toBe(false);
    // Nothing of the level's display is left running.
    expect(await pidOf(daemon.process.pid!, '/usr/bin/Xvfb')).toBeUndefined();
    expect(await pidOf(daemon.process.pid!, '/usr/bin/x11vnc')).toBeUndefined();
    const entries = await tailAudit(daemon.paths.audit, 100);
    expect(entries.find((e) => e.event === 'level.display-failed')).toMatchObject({
      level: 'low',
      reason: expect.stringMatching(/ended \d+ times/),
    });
    // It starts again when asked, with a working display.
    await user.call('levels.start', { level: 'low' });
    expect(await shell('xdpyinfo -display :0 >/dev/null && echo drawn')).toEqual({
      code: 0,
      out: 'drawn\n',
    });
  });
});
