import { describe, expect, it } from 'vitest';
import { Config } from '../contract/config.js';
import {
  launchableApps,
  mayLaunch,
  mayLaunchAgain,
  mayStartLevel,
  mayStop,
  offeredLevels,
  startLevel,
} from './policy.js';

const native = (id: string) => ({ id, label: id, type: 'native' as const, argv: ['xterm'] });
const base = {
  levels: [
    {
      id: 'office',
      label: 'Office',
      colour: '#00aa00',
      rank: 1,
      apps: [native('editor'), native('terminal')],
    },
    {
      id: 'internet',
      label: 'Internet',
      colour: '#aa0000',
      rank: 0,
      apps: [native('browser'), native('terminal')],
    },
    { id: 'restricted', label: 'Restricted', colour: '#0000aa', rank: 2, apps: [native('notes')] },
  ],
};
const plain = Config.parse(base);
const kiosk = Config.parse({
  ...base,
  kiosk: { levels: ['internet', 'office'], autostart: [{ level: 'internet', app: 'browser' }] },
});
const open = Config.parse({
  ...base,
  kiosk: { levels: ['office'], startLevel: 'office', userLaunch: true },
});

describe('kiosk policy', () => {
  describe('without a kiosk section', () => {
    it('offers every level and allows every launch', () => {
      expect(offeredLevels(plain)).toEqual(['office', 'internet', 'restricted']);
      expect(startLevel(plain)).toBe('internet');
      expect(mayLaunch(plain, 'restricted', 'notes')).toEqual({ allowed: true });
    });
  });

  describe('with a kiosk', () => {
    it.each([
      ['internet', 'browser', true, 'an autostart app'],
      ['internet', 'terminal', false, 'not started by the kiosk'],
      ['office', 'editor', false, 'userLaunch is off'],
      ['restricted', 'notes', false, 'a level the kiosk does not offer'],
    ])('%s/%s allowed=%s (%s)', (level, app, allowed) => {
      expect(mayLaunch(kiosk, level, app).allowed).toBe(allowed);
    });

    it('names the level or the app it refuses', () => {
      expect(mayLaunch(kiosk, 'restricted', 'notes')).toMatchObject({
        reason: expect.stringContaining('does not offer level "restricted"'),
      });
      expect(mayLaunch(kiosk, 'internet', 'terminal')).toMatchObject({
        reason: expect.stringContaining('"terminal" of level "internet"'),
      });
    });

    it('offers only its levels, starting at the lowest rank unless told', () => {
      expect(offeredLevels(kiosk)).toEqual(['office', 'internet']);
      expect(startLevel(kiosk)).toBe('internet');
      expect(startLevel(open)).toBe('office');
      expect(mayStartLevel(kiosk, 'restricted').allowed).toBe(false);
      expect(mayStartLevel(kiosk, 'office').allowed).toBe(true);
    });

    it('lists what a user may launch per offered level', () => {
      expect(launchableApps(kiosk)).toEqual({ office: [], internet: ['browser'] });
      expect(launchableApps(open)).toEqual({ office: ['editor', 'terminal'] });
    });
  });

  describe('stops and second copies', () => {
    it.each([
      ['no kiosk: a stop is the user’s', plain, 'restricted', true],
      ['a kiosk that starts its apps: no stop', kiosk, 'internet', false],
      ['a kiosk that lets its user launch: a stop too', open, 'office', true],
      ['a level it hides: no stop', open, 'internet', false],
    ] as const)('%s', (_name, config, level, allowed) => {
      expect(mayStop(config, level, `level "${level}"`).allowed).toBe(allowed);
    });

    it.each([
      ['no kiosk', plain, 'internet', 'browser', true],
      ['an autostart app of a kiosk that starts its apps', kiosk, 'internet', 'browser', false],
      ['another app (refused by mayLaunch, not here)', kiosk, 'internet', 'terminal', true],
      ['a kiosk that lets its user launch', open, 'office', 'editor', true],
    ] as const)('a second copy: %s', (_name, config, level, app, allowed) => {
      expect(mayLaunchAgain(config, level, app).allowed).toBe(allowed);
    });
  });
});
