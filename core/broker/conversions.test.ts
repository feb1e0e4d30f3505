// The cap on conversions at once: as a queue alone (slots, order, what waiters hear, aborts), and
// through a real daemon whose broker.documents.parallel is 1, where a second PDF waits, says so,
// and renders only once the first is done.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Event } from '../contract/methods.js';
import { startDaemon, type TestDaemon } from '../testing/daemon.js';
import { hostilePdf, plainPdf } from '../testing/pdfs.js';
import { ConversionQueue, REMIND_MS } from './conversions.js';

/** A job that runs until released, counting how many run at once. */
function gate(counter: { now: number; most: number }) {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let started = false;
  const job = async () => {
    started = true;
    counter.now++;
    counter.most = Math.max(counter.most, counter.now);
    await released;
    counter.now--;
    return 'done';
  };
  return { job, release, started: () => started };
}

/** Pages of the long document: enough that a second request comes while it still renders. */
const LONG = 120;

const tick = () => new Promise((r) => setImmediate(r));

describe('the conversion queue', () => {
  it('tells a waiter its place again while it waits, so its client knows the wait goes on', async () => {
    vi.useFakeTimers();
    try {
      const queue = new ConversionQueue();
      const counter = { now: 0, most: 0 };
      const first = gate(counter);
      const second = gate(counter);
      const heard: number[] = [];
      const runs = [
        queue.run(1, first.job),
        queue.run(1, second.job, { onWaiting: (ahead) => heard.push(ahead) }),
      ];
      expect(heard).toEqual([0]);
      await vi.advanceTimersByTimeAsync(REMIND_MS * 2 + 1);
      expect(heard).toEqual([0, 0, 0]);
      first.release();
      await vi.advanceTimersByTimeAsync(1);
      second.release();
      await Promise.all(runs);
      // Started: no more reminders.
      await vi.advanceTimersByTimeAsync(REMIND_MS * 2);
      expect(heard).toEqual([0, 0, 0]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('runs at most `limit` jobs at once, the others in the order they came', async () => {
    const queue = new ConversionQueue();
    const counter = { now: 0, most: 0 };
    const gates = Array.from({ length: 5 }, () => gate(counter));
    const heard: number[][] = gates.map(() => []);
    const runs = gates.map((g, i) =>
      queue.run(2, g.job, { onWaiting: (ahead) => heard[i]!.push(ahead) }),
    );
    await tick();
    expect(gates.map((g) => g.started())).toEqual([true, true, false, false, false]);
    expect(queue.load).toEqual({ running: 2, waiting: 3 });
    gates[1]!.release();
    await tick();
    await tick();
    expect(gates.map((g) => g.started())).toEqual([true, true, true, false, false]);
    for (const g of gates) g.release();
    expect(await Promise.all(runs)).toEqual(['done', 'done', 'done', 'done', 'done']);
    expect(counter.most).toBe(2);
    // Each waiter heard its place, then each move up; the first two never waited.
    expect(heard).toEqual([[], [], [0], [1, 0], [2, 1, 0]]);
  });

  it('takes a job aborted while it waits out of the queue; the others move up', async () => {
    const queue = new ConversionQueue();
    const counter = { now: 0, most: 0 };
    const [a, b, c] = [gate(counter), gate(counter), gate(counter)];
    const controller = new AbortController();
    const heard: number[] = [];
    const runA = queue.run(1, a.job);
    const runB = queue.run(1, b.job, { signal: controller.signal });
    const runC = queue.run(1, c.job, { onWaiting: (n) => heard.push(n) });
    await tick();
    controller.abort(new Error('cancelled by the user'));
    await expect(runB).rejects.toThrow('cancelled by the user');
    expect(heard).toEqual([1, 0]);
    a.release();
    c.release();
    expect(await Promise.all([runA, runC])).toEqual(['done', 'done']);
    expect(b.started()).toBe(false);
    expect(queue.load).toEqual({ running: 0, waiting: 0 });
  });

  it('frees the slot of a job that fails', async () => {
    const queue = new ConversionQueue();
    await expect(queue.run(1, () => Promise.reject(new Error('renderer crashed')))).rejects.toThrow(
      'renderer crashed',
    );
    expect(await queue.run(1, () => Promise.resolve(7))).toBe(7);
  });
});

describe('a daemon whose broker.documents.parallel is 1', () => {
  const config = `
broker:
  documents:
    parallel: 1
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
  let daemon: TestDaemon;
  const events: { who: string; event: Extract<Event, { type: 'transfer.sanitising' }> }[] = [];
  let cli: Awaited<ReturnType<TestDaemon['cli']>>;
  beforeAll(async () => {
    daemon = await startDaemon({ config });
    const low = daemon.home('low');
    // Long enough that the second request is queued while the first still renders.
    writeFileSync(join(low, 'long.pdf'), plainPdf(LONG));
    writeFileSync(join(low, 'short.pdf'), hostilePdf(2));
    const first = await daemon.client('user', 'alice');
    const second = await daemon.client('user', 'alice');
    let firstStarted!: () => void;
    const started = new Promise<void>((r) => (firstStarted = r));
    for (const [who, client] of [
      ['first', first],
      ['second', second],
    ] as const) {
      client.onEvent((raw) => {
        const event = raw as Event;
        if (event.type !== 'transfer.sanitising') return;
        events.push({ who, event });
        if (who === 'first' && event.done === 1) firstStarted();
      });
      await client.call('events.subscribe', {});
    }
    const long = first.call('files.send', { from: 'low', to: 'high', paths: ['long.pdf'] });
    await started;
    const short = second.call('files.send', { from: 'low', to: 'high', paths: ['short.pdf'] });
    await Promise.all([long, short]);
    first.close();
    second.close();
    // The CLI says so too, when it has to wait (a third one behind a long one again).
    const again = await daemon.client('user', 'alice');
    let againStarted!: () => void;
    const againRunning = new Promise<void>((r) => (againStarted = r));
    again.onEvent((raw) => {
      const event = raw as Event;
      if (event.type === 'transfer.sanitising' && event.done === 1) againStarted();
    });
    await again.call('events.subscribe', {});
    writeFileSync(join(low, 'long2.pdf'), plainPdf(LONG));
    const long2 = again.call('files.send', { from: 'low', to: 'high', paths: ['long2.pdf'] });
    await againRunning;
    cli = await daemon.cli(['files', 'send', '--from', 'low', '--to', 'high', 'short.pdf']);
    await long2;
    again.close();
  }, 180_000);
  afterAll(async () => {
    await daemon.cleanup();
  });

  it('queues the second conversion and tells its session it waits, first in line', () => {
    const mine = events.filter((e) => e.who === 'second').map((e) => e.event);
    expect(mine[0]).toMatchObject({ name: 'short.pdf', waiting: 0, done: 0, total: 0 });
    expect(mine.at(-1)).toMatchObject({ done: 2, total: 2 });
    expect(mine.at(-1)!.waiting).toBeUndefined();
  });

  it('renders the second only once the first has rendered its last page', () => {
    const order = events.filter((e) => e.event.done > 0);
    const lastOfFirst = order.findIndex((e) => e.who === 'first' && e.event.done === LONG);
    const firstOfSecond = order.findIndex((e) => e.who === 'second');
    expect(lastOfFirst).toBeGreaterThanOrEqual(0);
    expect(firstOfSecond).toBeGreaterThan(lastOfFirst);
  });

  it('says on the CLI that the transfer waits for a slot, then its pages', () => {
    expect(cli.code).toBe(0);
    expect(cli.stderr).toContain(
      'short.pdf: pdf-rasterise waits for a free conversion slot (0 ahead)\nshort.pdf: pdf-rasterise, page 1 of 2\n',
    );
  });
});
