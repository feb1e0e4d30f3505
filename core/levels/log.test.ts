// A level's log as specifications: lines kept whole, per source, and bounded.
import { describe, expect, it } from 'vitest';
import { LevelLog } from './log.js';

describe('a level log', () => {
  it('keeps lines whole when an app writes them in pieces, apart per source', () => {
    const log = new LevelLog(10);
    log.write('term', 'hel');
    log.write('xvfb', 'ready\n');
    log.write('term', 'lo\nwor');
    expect(log.tail(10).map((l) => [l.source, l.text])).toEqual([
      ['xvfb', 'ready'],
      ['term', 'hello'],
    ]);
    log.write('term', 'ld\n');
    expect(log.tail(1)[0]).toMatchObject({ source: 'term', text: 'world' });
  });

  it('keeps only the last lines whatever an app prints', () => {
    const log = new LevelLog(100);
    for (let i = 0; i < 10_000; i++) log.write('noisy', `line ${i}\n`);
    const lines = log.tail(1000);
    expect(lines).toHaveLength(100);
    expect(lines[0]!.text).toBe('line 9900');
  });

  it('cuts a line that never ends instead of holding it in memory', () => {
    const log = new LevelLog(10);
    log.write('flood', 'x'.repeat(5000));
    const [line] = log.tail(1);
    expect(line!.text.length).toBeLessThanOrEqual(2000);
  });
});
