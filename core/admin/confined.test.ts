// The changes an administrator's shell login may not make: what runs in a level, what it reaches.
import { describe, expect, it } from 'vitest';
import { Config } from '../contract/config.js';
import { changesToWhatRuns } from './confined.js';

const base = {
  levels: [
    {
      id: 'office',
      label: 'Office',
      colour: '#2471a3',
      rank: 1,
      network: 'none',
      apps: [{ id: 'terminal', label: 'Terminal', type: 'native', argv: ['xterm'] }],
    },
  ],
  rules: [],
};
const config = (edit: (c: typeof base) => unknown = (c) => c) =>
  Config.parse(edit(JSON.parse(JSON.stringify(base)) as typeof base));

describe('changesToWhatRuns', () => {
  it.each([
    ['a changed argv', (c: typeof base) => ((c.levels[0]!.apps[0]!.argv = ['perl', '-e', 'x']), c)],
    [
      'an added app',
      (c: typeof base) => (
        c.levels[0]!.apps.push({ id: 'x', label: 'X', type: 'native', argv: ['true'] }),
        c
      ),
    ],
    ['the host network', (c: typeof base) => ((c.levels[0]!.network = 'host'), c)],
    [
      'a new level with an app',
      (c: typeof base) => (c.levels.push({ ...c.levels[0]!, id: 'new', rank: 2 }), c),
    ],
  ])('refuses %s', (_, edit) => {
    expect(changesToWhatRuns(config(), config(edit))).not.toEqual([]);
  });

  it.each([
    [
      'a label and a colour',
      (c: typeof base) => ((c.levels[0]!.label = 'Bureau'), (c.levels[0]!.colour = '#000000'), c),
    ],
    ['a removed app', (c: typeof base) => ((c.levels[0]!.apps = []), c)],
    ['rules only', (c: typeof base) => c],
  ])('lets through %s', (_, edit) => {
    expect(changesToWhatRuns(config(), config(edit))).toEqual([]);
  });
});
