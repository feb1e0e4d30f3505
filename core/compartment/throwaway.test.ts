// The throw-away compartment, proved from the attacker's side: a probe (core/testing/
// throwaway-probe.mjs) runs in the very compartment the sanitisers use, as a renderer taken over by
// a hostile document would, and reports what it could do; each wall is shown next to a control
// that works (its own loopback, its own /tmp), so that a probe that cannot do anything proves
// nothing by accident.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compartmentAccount } from './account.js';
import {
  limitedArgv,
  rendererWords,
  runThrowaway,
  startThrowaway,
  type ThrowawayResult,
} from './throwaway.js';

const PROBE = fileURLToPath(new URL('../testing/throwaway-probe.mjs', import.meta.url));
const marker = `cloison-probe-${process.pid}-${Date.now()}`;
const limits = {
  memoryBytes: 256 * 1024 * 1024,
  cpuSeconds: 30,
  wallSeconds: 30,
  tmpBytes: 8 * 1024 * 1024,
};

interface Attempt {
  ok: boolean;
  code?: string;
  value?: unknown;
}
interface Report {
  uid: number;
  interfaces: string[];
  ownLoopback: Attempt;
  hostLoopback: Attempt;
  hostAddress: Attempt;
  outside: Attempt;
  writes: Record<string, Attempt>;
  earlierRunLeft: boolean;
  tmpFill: Attempt;
  memory: Attempt;
  home: Attempt;
  rootHome: Attempt;
  work: Attempt;
  background: number;
}

let server: net.Server;
let port: number;
const hostAddress =
  Object.values(os.networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address ?? '127.0.0.2';

async function probe(): Promise<{ report: Report; result: ThrowawayResult }> {
  const account = await compartmentAccount('nobody');
  let out = '';
  const result = await runThrowaway({
    argv: [process.execPath, '/in/probe.mjs', marker, String(port), hostAddress],
    inputs: [{ dest: '/in/probe.mjs', data: await readFile(PROBE) }],
    limits,
    ...(account ? { account } : {}),
    masked: [],
    onStdout: (chunk) => {
      out += chunk.toString('utf8');
    },
  });
  if (!out) throw new Error(`the probe said nothing: ${result.code} ${result.stderr}`);
  return { report: JSON.parse(out) as Report, result };
}

/** Host processes whose command line holds the marker (the probe's leftover, if any). */
function processesWithMarker(): number[] {
  const found: number[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes(marker)) found.push(Number(pid));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

let first: { report: Report; result: ThrowawayResult };
let second: { report: Report; result: ThrowawayResult };

beforeAll(async () => {
  server = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
  port = (server.address() as net.AddressInfo).port;
  first = await probe();
  second = await probe();
});

afterAll(() => {
  server.close();
});

describe('a throw-away compartment, from inside', () => {
  it('runs the job to its end, as an unprivileged account', () => {
    expect(first.result).toMatchObject({ code: 0, timedOut: false });
    expect(first.report.uid).not.toBe(0);
  });

  describe('has no network', () => {
    it('but its own loopback (the control)', () => {
      expect(first.report.interfaces).toEqual(['lo']);
      expect(first.report.ownLoopback.ok).toBe(true);
    });

    it.each([
      ['a listener on the host loopback', 'hostLoopback'],
      [`the host's own address`, 'hostAddress'],
      ['the outside world', 'outside'],
    ] as const)('reaches no %s', (_what, key) => {
      expect(first.report[key].ok).toBe(false);
    });

    it('while the host listener it tried is really there', async () => {
      const reached = await new Promise<boolean>((resolve) => {
        const s = net.connect({ host: '127.0.0.1', port }, () => resolve(true));
        s.once('error', () => resolve(false));
      });
      expect(reached).toBe(true);
    });
  });

  describe('sees no home and writes nowhere lasting', () => {
    it('sees no /home, /root or the project', () => {
      expect(first.report.home).toMatchObject({ ok: false, code: 'ENOENT' });
      expect(first.report.rootHome).toMatchObject({ ok: false, code: 'ENOENT' });
      expect(first.report.work).toMatchObject({ ok: false, code: 'ENOENT' });
    });

    it('writes only its own /tmp, /run and /dev/shm', () => {
      const writable = Object.entries(first.report.writes)
        .filter(([, a]) => a.ok)
        .map(([place]) => place)
        .sort();
      expect(writable).toEqual(['/dev/shm', '/run', '/tmp']);
    });

    it('cannot fill its /tmp beyond its size', () => {
      expect(first.report.tmpFill.ok).toBe(false);
      expect(['ENOSPC', 'EFBIG']).toContain(first.report.tmpFill.code);
    });

    it('cannot take more memory than its limit', () => {
      expect(first.report.memory.ok).toBe(false);
    });

    it('leaves nothing for the next job', () => {
      expect(first.report.earlierRunLeft).toBe(false);
      expect(second.report.earlierRunLeft).toBe(false);
    });

    it('leaves no file on the host', () => {
      // find complains (and exits 1) when other tests' folders vanish as it walks: its output is
      // what counts.
      const found = execFileSync(
        'sh',
        ['-c', 'find /tmp /var/tmp /dev/shm -xdev -name "$1*" 2>/dev/null; true', 'sh', marker],
        { encoding: 'utf8' },
      ).trim();
      expect(found).toBe('');
    });

    it('leaves no process behind, though it started one meant to outlive it', () => {
      expect(first.report.background).toBeGreaterThan(0);
      expect(processesWithMarker()).toEqual([]);
    });
  });
});

describe('a hidden file (a configuration right in /etc)', () => {
  const read = async (maskedFiles: string[]) => {
    let out = '';
    const account = await compartmentAccount('nobody');
    const result = await runThrowaway({
      argv: ['/bin/cat', '/etc/passwd'],
      inputs: [],
      limits,
      ...(account ? { account } : {}),
      masked: [],
      maskedFiles,
      onStdout: (chunk) => {
        out += chunk.toString('utf8');
      },
    });
    return { out, code: result.code };
  };

  it('reads as empty inside, while the same file is readable when not hidden', async () => {
    expect((await read([])).out).toMatch(/^root:/);
    expect(await read(['/etc/passwd'])).toEqual({ out: '', code: 0 });
  });
});

describe('a folder of its /tmp, opened from outside', () => {
  it('shows the broker what the job wrote there, after a word on stdin, and nothing else', async () => {
    const account = await compartmentAccount('nobody');
    let said = '';
    let ready!: () => void;
    const isReady = new Promise<void>((resolve) => (ready = resolve));
    const run = await startThrowaway({
      argv: [
        '/bin/sh',
        '-c',
        'mkdir /tmp/out && echo ready && read -r word && echo "$word" > /tmp/out/said && echo done',
      ],
      inputs: [],
      limits,
      ...(account ? { account } : {}),
      masked: [],
      control: true,
      onStdout: (chunk) => {
        said += chunk.toString('utf8');
        if (said.includes('ready\n')) ready();
      },
    });
    await isReady;
    // Only folders of its own /tmp: no way up, nothing else of its root.
    for (const path of ['/etc', '/tmp/../etc', '/tmp/out/../..', '/in'])
      await expect(run.openFolder(path)).rejects.toThrow(/not a folder of the compartment's \/tmp/);
    const folder = await run.openFolder('/tmp/out');
    try {
      run.tell('hello');
      expect((await run.done).code).toBe(0);
      expect(said).toBe('ready\ndone\n');
      // The compartment is gone; its /tmp stays readable through the handle until it is closed.
      expect(readdirSync(`/proc/self/fd/${folder.fd}`)).toEqual(['said']);
      expect(readFileSync(`/proc/self/fd/${folder.fd}/said`, 'utf8')).toBe('hello\n');
    } finally {
      await folder.close();
    }
  });
});

describe('limitedArgv', () => {
  it('sets memory, CPU, file size and core limits before the job, never through a shell', () => {
    expect(limitedArgv(['/usr/bin/pdftoppm', '-r', '150'], limits)).toEqual([
      '/usr/bin/prlimit',
      `--data=${256 * 1024 * 1024}`,
      '--cpu=30',
      `--fsize=${8 * 1024 * 1024}`,
      '--core=0',
      '--',
      '/usr/bin/pdftoppm',
      '-r',
      '150',
    ]);
  });
});

describe('rendererWords', () => {
  it.each([
    [
      'keeps the last lines, once each',
      'Syntax Error: a\nSyntax Error: a\nSyntax Error: b\n',
      'Syntax Error: a; Syntax Error: b',
    ],
    ['drops control characters and escapes', 'bad\x1b[31m red\u202e\n', 'bad[31m red'],
    ['cuts long words from the front', 'x'.repeat(400), `…${'x'.repeat(300)}`],
  ])('%s', (_what, stderr, words) => {
    expect(rendererWords(stderr)).toBe(words);
  });
});
