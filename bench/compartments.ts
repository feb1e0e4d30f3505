// Compartment figures for `npm run bench`, each beside a baseline run in the same process:
//   launch:    a trivial program (/usr/bin/true) started in a level's compartment (its home bound
//              in, network none) through the level's launcher until it has exited, against a bare
//              spawn of the same program as the same account — p50 and p95; and, for scale, the
//              same program in a sandbox of its own (a new set of namespaces per launch);
//   level:     start time of a level until its display and remote display are ready, and the
//              memory of an idle level (Xvfb + window manager + x11vnc, with their sandboxes);
//   clipboard: a transfer between two running levels read from the source's display and written to
//              the target's, against the same transfer with the content supplied by the caller.
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compartmentAccount } from '../core/compartment/account.js';
import { Launcher } from '../core/compartment/launcher.js';
import { startSandbox } from '../core/compartment/spawn.js';
import { descendantsOf } from '../core/levels/runtime.js';
import { startDaemon } from '../core/testing/daemon.js';

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const round = (n: number, d = 2) => +n.toFixed(d);

async function launchOverhead(rounds: number) {
  const account = await compartmentAccount('nobody');
  const dir = await mkdtemp(join(tmpdir(), 'cloison-bench-'));
  await chmod(dir, 0o711);
  const home = join(dir, 'home');
  await mkdir(home, { mode: 0o777 });
  const ids = account ? { uid: account.uid, gid: account.gid } : {};
  const bare = async () => {
    const start = process.hrtime.bigint();
    await new Promise<void>((resolve, reject) => {
      const child = spawn('/usr/bin/true', [], { stdio: 'ignore', ...ids });
      child.once('exit', () => resolve());
      child.once('error', reject);
    });
    return ms(start);
  };
  const compartment = {
    mounts: [{ kind: 'dir' as const, host: home, dest: '/home/user', mode: 'rw' as const }],
    masked: [],
    network: 'none' as const,
    hostname: 'bench',
    env: { HOME: '/home/user' },
    cwd: '/home/user',
    ...(account ? { account } : {}),
  };
  const launcher = await Launcher.start(compartment, () => undefined);
  const inLevel = async () => {
    const start = process.hrtime.bigint();
    const app = await launcher.launch({
      argv: ['/usr/bin/true'],
      env: { HOME: '/home/user' },
      cwd: '/home/user',
    });
    await app.exited;
    return ms(start);
  };
  const ownSandbox = async () => {
    const start = process.hrtime.bigint();
    const sandbox = await startSandbox({ ...compartment, argv: ['/usr/bin/true'] });
    await sandbox.exited;
    return ms(start);
  };
  for (let i = 0; i < 10; i++) {
    await bare();
    await inLevel();
    await ownSandbox();
  }
  const b: number[] = [];
  const s: number[] = [];
  const own: number[] = [];
  for (let i = 0; i < rounds; i++) {
    b.push(await bare());
    s.push(await inLevel());
    if (i % 4 === 0) own.push(await ownSandbox());
  }
  await launcher.stop();
  await rm(dir, { recursive: true, force: true });
  return {
    bareP50ms: round(percentile(b, 50)),
    bareP95ms: round(percentile(b, 95)),
    inLevelP50ms: round(percentile(s, 50)),
    inLevelP95ms: round(percentile(s, 95)),
    overheadP50ms: round(percentile(s, 50) - percentile(b, 50)),
    overheadP95ms: round(percentile(s, 95) - percentile(b, 95)),
    ratioP50: round(percentile(s, 50) / percentile(b, 50), 2),
    ownSandboxP50ms: round(percentile(own, 50)),
    ownSandboxP95ms: round(percentile(own, 95)),
    note: 'in level: through the running level’s launcher; own sandbox: bwrap with new namespaces per launch',
  };
}

async function rssKiB(pid: number): Promise<{ rss: number; pss: number }> {
  try {
    const text = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
    const field = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
    return { rss: field('Rss'), pss: field('Pss') };
  } catch {
    return { rss: 0, pss: 0 };
  }
}

const config = `
levels:
  - { id: left, label: Left, colour: "#aa0000", rank: 0 }
  - { id: right, label: Right, colour: "#0000aa", rank: 1 }
rules:
  - { id: text-up, kind: clipboard, from: "*", to: up, types: [text/plain], action: allow, sanitise: plain-text }
`;

async function levels(rounds: number) {
  const daemon = await startDaemon({ config });
  try {
    const user = await daemon.client('user');
    const admin = await daemon.client('admin', 'bench-admin');
    const starts: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = process.hrtime.bigint();
      await user.call('levels.start', { level: 'left' });
      starts.push(ms(start));
      await user.call('levels.stop', { level: 'left' });
    }
    await user.call('levels.start', { level: 'left' });
    await user.call('levels.start', { level: 'right' });
    await new Promise((r) => setTimeout(r, 2000));
    // Idle level memory: every process below the daemon belongs to one of the two levels.
    const pids = (await descendantsOf([daemon.process.pid!])).filter(
      (p) => p !== daemon.process.pid,
    );
    let rss = 0;
    let pss = 0;
    for (const pid of pids) {
      const m = await rssKiB(pid);
      rss += m.rss;
      pss += m.pss;
    }
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(90); // ~4 KiB
    await writeFile(join(daemon.home('left'), 'clip.txt'), text);
    await admin.call('compartments.run', {
      level: 'left',
      argv: ['xclip', '-selection', 'clipboard', '-i', '-quiet', '/home/user/clip.txt'],
    });
    // Until xclip holds the selection.
    for (let tries = 0; ; tries++) {
      const ok = await user.call('clipboard.send', { from: 'left', to: 'right' }).then(
        () => true,
        (err: unknown) => {
          if (tries > 100) throw err;
          return false;
        },
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const viaDisplay: number[] = [];
    const supplied: number[] = [];
    const item = { type: 'text/plain', data: Buffer.from(text).toString('base64') };
    for (let i = 0; i < 5; i++) await user.call('clipboard.send', { from: 'left', to: 'right' });
    for (let i = 0; i < rounds; i++) {
      let start = process.hrtime.bigint();
      await user.call('clipboard.send', { from: 'left', to: 'right', items: [item] });
      supplied.push(ms(start));
      start = process.hrtime.bigint();
      await user.call('clipboard.send', { from: 'left', to: 'right' });
      viaDisplay.push(ms(start));
    }
    user.close();
    admin.close();
    return {
      level: {
        startToDisplayReadyP50ms: round(percentile(starts, 50), 0),
        startToDisplayReadyMaxms: round(Math.max(...starts), 0),
        idleLevelRssMiB: round(rss / 2 / 1024, 1),
        idleLevelPssMiB: round(pss / 2 / 1024, 1),
        note: 'RSS counts shared libraries in full for each process; PSS shares them out',
      },
      clipboardBetweenLevels4KiB: {
        throughDisplaysP50ms: round(percentile(viaDisplay, 50)),
        throughDisplaysP95ms: round(percentile(viaDisplay, 95)),
        contentSuppliedP50ms: round(percentile(supplied, 50)),
        contentSuppliedP95ms: round(percentile(supplied, 95)),
        note: 'through displays: TARGETS and text read by two sandboxed xclip runs, then written by a third',
      },
    };
  } finally {
    await daemon.cleanup();
  }
}

export async function benchCompartments(): Promise<
  Record<string, Record<string, number | string>>
> {
  const launch = await launchOverhead(200);
  const rest = await levels(40);
  return { launch, ...rest };
}
