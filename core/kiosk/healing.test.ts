import { describe, expect, it } from 'vitest';
import { decideRestart } from './healing.js';

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
