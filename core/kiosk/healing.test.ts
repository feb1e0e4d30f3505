import { describe, expect, it } from 'vitest';
import { decideRestart, restartDelay } from './healing.js';

const policy = { maxRestarts: 3, windowSeconds: 60 };
const s = (n: number) => n * 1000;

describe('self-healing', () => {
  it.each([
    ['a first end', [], s(100), 'restart', 1],
    ['a third end within the window', [s(90), s(95)], s(100), 'restart', 3],
    ['a fourth end within the window', [s(90), s(95), s(99)], s(100), 'give-up', 4],
    ['ends older than the window are forgotten', [s(10), s(20), s(30)], s(100), 'restart', 1],
    ['an end exactly a window ago is forgotten', [s(40), s(95), s(99)], s(100), 'restart', 3],
    ['times after now (clock moved back) are not counted', [s(200), s(300)], s(100), 'restart', 1],
  ] as const)('%s: %s', (_name, history, now, action, crashes) => {
    const decision = decideRestart(history, now, policy);
    expect(decision.action).toBe(action);
    expect(decision.crashes).toBe(crashes);
    expect(decision.history.at(-1)).toBe(now);
  });

  it('gives up at once when no restart is allowed, and says why', () => {
    const decision = decideRestart([], 0, { maxRestarts: 0, windowSeconds: 60 });
    expect(decision).toMatchObject({
      action: 'give-up',
      reason: 'it ended 1 times within 60 s (at most 0 restarts allowed)',
    });
  });
});

describe('the wait before a restart', () => {
  it.each([
    ['after a long run: none', s(60), 0, 0],
    ['after a long run, even after waits before', s(60), s(8), 0],
    ['after a quick end: half a second', s(1), 0, 500],
    ['after another quick end: twice the last', s(1), 500, 1000],
    ['and so on', 50, s(8), s(16)],
    ['never more than 30 s', 50, s(20), s(30)],
    ['just under the quick end', s(10) - 1, 0, 500],
  ] as const)('%s', (_name, ran, previous, expected) => {
    expect(restartDelay(ran, previous)).toBe(expected);
  });

  it('keeps an app that ends at once from being restarted in a tight loop', () => {
    // The trial's case: an app that lives 50 ms, under a window that forgets every end at once.
    let wait = 0;
    let waited = 0;
    for (let i = 0; i < 20; i++) waited += wait = restartDelay(50, wait);
    expect(waited).toBeGreaterThan(s(300));
  });
});
