// `npm run bench`: the broker's figures, each beside a baseline measured in the same run.
//   clipboard: 64 KiB of text end to end over the socket, audit included (p50, p95), against a bare
//              round trip on the same socket;
//   files:     a 1 GiB file, throughput against `cp` then `sha256sum`, and `sha256sum` alone;
//   audit:     durable appends per second, and verify entries per second on 1 million entries;
//   memory:    the idle daemon's resident set;
//   launch, level, clipboard between levels: see bench/compartments.ts;
//   pdf-rasterise per page against the bare renderer: see bench/sanitisers.ts.
// `npm run bench -- sanitisers` runs the last group alone.
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startDaemon } from '../core/testing/daemon.js';
import { benchAudit } from './audit.js';
import { benchCompartments } from './compartments.js';
import { benchSanitisers } from './sanitisers.js';

const benchConfig = `
levels:
  - { id: low, label: Low, colour: "#aa0000", rank: 0 }
  - { id: high, label: High, colour: "#0000aa", rank: 1 }
rules:
  - { id: text-up, kind: clipboard, from: "*", to: up, types: [text/plain], maxBytes: 1048576, action: allow, sanitise: plain-text }
  - { id: files-up, kind: file, from: "*", to: up, types: ["*/*"], action: allow }
`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function timeMs(fn: () => Promise<unknown> | unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function rssKiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.replace(/\D+/g, '') ?? NaN);
}

function print(results: Record<string, Record<string, number | string>>): void {
  for (const [name, figures] of Object.entries(results)) {
    console.log(`${name}:`);
    for (const [k, v] of Object.entries(figures)) console.log(`  ${k}: ${v}`);
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === 'sanitisers') return print(await benchSanitisers());
  const results: Record<string, Record<string, number | string>> = {};
  const daemon = await startDaemon({ config: benchConfig });
  try {
    // Idle memory first, after the daemon settled.
    await new Promise((r) => setTimeout(r, 2000));
    results.memory = { idleRssMiB: +(rssKiB(daemon.process.pid!) / 1024).toFixed(1) };

    const client = await daemon.client('user');
    const text = Buffer.from(
      'The quick brown fox jumps over the lazy dog. '.repeat(1500).slice(0, 65536),
    );
    const item = { type: 'text/plain', data: text.toString('base64') };
    const rounds = 300;
    for (let i = 0; i < 20; i++)
      await client.call('clipboard.send', { from: 'low', to: 'high', items: [item] });
    const clip: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < rounds; i++) {
      bare.push(await timeMs(() => client.call('daemon.status', {})));
      clip.push(
        await timeMs(() =>
          client.call('clipboard.send', { from: 'low', to: 'high', items: [item] }),
        ),
      );
    }
    clip.sort((a, b) => a - b);
    bare.sort((a, b) => a - b);
    results.clipboard64KiB = {
      p50ms: +percentile(clip, 50).toFixed(2),
      p95ms: +percentile(clip, 95).toFixed(2),
      bareRoundTripP50ms: +percentile(bare, 50).toFixed(3),
      ratioP50ToBare: +(percentile(clip, 50) / percentile(bare, 50)).toFixed(1),
    };

    // 1 GiB of incompressible bytes in the source home.
    const size = 1024 * 1024 * 1024;
    const source = join(daemon.home('low'), 'big.bin');
    const fd = openSync(source, 'w');
    const chunk = randomBytes(16 * 1024 * 1024);
    for (let done = 0; done < size; done += chunk.length) writeSync(fd, chunk);
    closeSync(fd);
    const copy = join(daemon.dir, 'cp-copy.bin');
    const sha = await timeMs(() => execFileSync('sha256sum', [source]));
    const cpSha = await timeMs(() => {
      execFileSync('cp', [source, copy]);
      execFileSync('sync', ['-f', copy]);
      execFileSync('sha256sum', [copy]);
    });
    rmSync(copy);
    const broker = await timeMs(() =>
      client.call('files.send', { from: 'low', to: 'high', paths: ['big.bin'] }),
    );
    const mib = size / 1024 / 1024;
    results.file1GiB = {
      brokerMiBps: +(mib / (broker / 1000)).toFixed(0),
      cpThenSha256sumMiBps: +(mib / (cpSha / 1000)).toFixed(0),
      sha256sumAloneMiBps: +(mib / (sha / 1000)).toFixed(0),
      ratioToCpThenSha256sum: +(cpSha / broker).toFixed(2),
      ratioToSha256sumAlone: +(sha / broker).toFixed(2),
      note: 'the broker reads the file twice (inspect, then copy) and fsyncs what it writes',
    };
    client.close();
  } finally {
    await daemon.cleanup();
  }
  results.audit = await benchAudit();
  Object.assign(results, await benchCompartments());
  Object.assign(results, await benchSanitisers());
  print(results);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
