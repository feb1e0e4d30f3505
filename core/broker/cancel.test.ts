// Ctrl+C on `cloison files send` while its PDF is being rasterised, through a real daemon and the
// real CLI: the transfer is cancelled in the daemon, its throw-away compartment is killed and gone,
// nothing is delivered or left staged, and the audit log says it was cancelled.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { levelStaging } from '../state/paths.js';
import { cloisonJs, startDaemon, type TestDaemon } from '../testing/daemon.js';
import { plainPdf } from '../testing/pdfs.js';

const config = `
levels:
  - { id: low, label: Low, colour: "#aa0000", rank: 0 }
  - { id: high, label: High, colour: "#0000aa", rank: 1 }
rules:
  - id: pdf-up
    kind: file
    from: "*"
    to: up
    types: [application/pdf]
    action: allow
    sanitise: pdf-rasterise
`;

/** The processes below `pid` (its children, theirs, …), from /proc. */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/u.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The command name is in parentheses and may hold spaces: the fields after it are fixed.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(name), ppid);
    } catch {
      // gone meanwhile
    }
  }
  const below: number[] = [];
  for (const [child] of parents) {
    for (let p = parents.get(child); p !== undefined && p > 1; p = parents.get(p)) {
      if (p === pid) {
        below.push(child);
        break;
      }
    }
  }
  return below;
}

describe('Ctrl+C on files send while a conversion runs', () => {
  let daemon: TestDaemon;
  let code: number | null;
  let stderr = '';
  let duringConversion: number[] = [];
  beforeAll(async () => {
    daemon = await startDaemon({ config });
    writeFileSync(join(daemon.home('low'), 'long.pdf'), plainPdf(200));
    const cli = spawn(
      process.execPath,
      [
        cloisonJs,
        '--state',
        daemon.state,
        '--actor',
        'alice',
        'files',
        'send',
        '--from',
        'low',
        '--to',
        'high',
        'long.pdf',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    cli.stdout.resume();
    let interrupted = false;
    cli.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!interrupted && stderr.includes('long.pdf: pdf-rasterise, page 1 of 200')) {
        interrupted = true;
        duringConversion = descendants(daemon.process.pid!);
        cli.kill('SIGINT');
      }
    });
    code = await new Promise((resolve) => cli.on('close', resolve));
  }, 120_000);
  afterAll(async () => {
    await daemon.cleanup();
  });

  it('cancels the transfer in the daemon, and says so', () => {
    expect(stderr).toMatch(/cloison: cancelling transfer \S+…\n/u);
    expect(stderr).toMatch(/cloison: Transfer "\S+" was cancelled; nothing was delivered\.\n/u);
    expect(code).toBe(130);
    expect(stderr).not.toContain('page 200 of 200');
  });

  it('kills the throw-away compartment: none of its processes is left', () => {
    // The compartment ran below the daemon while it converted; once cancelled, nothing of it is.
    expect(duringConversion.length).toBeGreaterThan(0);
    const left = descendants(daemon.process.pid!);
    expect(left.filter((pid) => duringConversion.includes(pid))).toEqual([]);
  });

  it('delivers nothing and leaves nothing staged', () => {
    const incoming = join(daemon.home('high'), 'Incoming/low');
    expect(existsSync(incoming) ? readdirSync(incoming) : []).toEqual([]);
    const staging = levelStaging(daemon.paths, { id: 'high' });
    expect(existsSync(staging) ? readdirSync(staging) : []).toEqual([]);
  });

  it('is audited as cancelled, by the person who asked', async () => {
    const tail = await daemon.cli(['--json', 'audit', 'tail', '-n', '1']);
    const entry = JSON.parse(tail.text.trim()) as Record<string, unknown>;
    expect(entry).toMatchObject({
      event: 'transfer.cancelled',
      status: 'cancelled',
      outcome: 'cancelled by the user while it was being sanitised',
    });
    expect(entry.actor).toMatch(/^alice /u);
  });

  it('leaves the daemon serving: the next transfer goes through', async () => {
    writeFileSync(join(daemon.home('low'), 'next.pdf'), plainPdf(1));
    const sent = await daemon.cli(['files', 'send', '--from', 'low', '--to', 'high', 'next.pdf']);
    expect(sent.code).toBe(0);
  });
});

describe('files send killed outright (SIGKILL) while a conversion runs', () => {
  let daemon: TestDaemon;
  let duringConversion: number[] = [];
  beforeAll(async () => {
    daemon = await startDaemon({ config });
    writeFileSync(join(daemon.home('low'), 'long.pdf'), plainPdf(200));
    const cli = spawn(
      process.execPath,
      [
        cloisonJs,
        '--state',
        daemon.state,
        '--actor',
        'alice',
        'files',
        'send',
        '--from',
        'low',
        '--to',
        'high',
        'long.pdf',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    cli.stdout.resume();
    let stderr = '';
    let killed = false;
    cli.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!killed && stderr.includes('long.pdf: pdf-rasterise, page 1 of 200')) {
        killed = true;
        duringConversion = descendants(daemon.process.pid!);
        // No Ctrl+C, no goodbye: the connection just drops.
        cli.kill('SIGKILL');
      }
    });
    await new Promise((resolve) => cli.on('close', resolve));
  }, 120_000);
  afterAll(async () => {
    await daemon.cleanup();
  });

  it('cancels the transfer: nothing delivered, the compartment gone, audited as cancelled', async () => {
    expect(duringConversion.length).toBeGreaterThan(0);
    let entry: Record<string, unknown> = {};
    for (let i = 0; i < 200 && entry.event !== 'transfer.cancelled'; i++) {
      const tail = await daemon.cli(['--json', 'audit', 'tail', '-n', '1']);
      entry = JSON.parse(tail.text.trim()) as Record<string, unknown>;
      if (entry.event !== 'transfer.cancelled') await new Promise((r) => setTimeout(r, 100));
    }
    expect(entry).toMatchObject({ event: 'transfer.cancelled', status: 'cancelled' });
    expect(entry.actor).toMatch(/connection closed/u);
    const left = descendants(daemon.process.pid!);
    expect(left.filter((pid) => duringConversion.includes(pid))).toEqual([]);
    const incoming = join(daemon.home('high'), 'Incoming/low');
    expect(existsSync(incoming) ? readdirSync(incoming) : []).toEqual([]);
  });
});
