import { describe, expect, it } from 'vitest';
import { parseConfig } from './parse.js';
import { ConfigError, type Problem } from './problems.js';

// Lines 1-16; the kiosk's own lines start at 17.
const levels = `levels:
  - id: low
    label: Low
    colour: "#000000"
    rank: 0
    ephemeral: true
    apps:
      - { id: browser, label: Browser, type: native, argv: [xterm] }
      - { id: site, label: Site, type: web, url: "https://example.org" }
  - id: high
    label: High
    colour: "#ffffff"
    rank: 1
    apps:
      - { id: notes, label: Notes, type: native, argv: [xterm] }
kiosk:
`;

function problems(kiosk: string): Problem[] {
  try {
    parseConfig({ file: 'main.yaml', text: levels + kiosk });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  throw new Error('the configuration was accepted');
}

describe('configuration', () => {
  describe('the kiosk section', () => {
    it('is read with its defaults', () => {
      const { config } = parseConfig({
        file: 'main.yaml',
        text: `${levels}  levels: [low]\n  autostart: [{ level: low, app: browser }]\n`,
      });
      expect(config.kiosk).toEqual({
        levels: ['low'],
        autostart: [{ level: 'low', app: 'browser' }],
        userLaunch: false,
        idleSeconds: 300,
        restart: { maxRestarts: 3, windowSeconds: 60 },
      });
    });

    it('warns of an offered level that the idle reset does not make new, and only of that', () => {
      const warnings = (kiosk: string) =>
        parseConfig({ file: 'main.yaml', text: levels + kiosk }).warnings;
      expect(warnings('  levels: [low, high]\n')).toEqual([
        expect.stringMatching(
          /^main\.yaml:17: level "high" is offered but not ephemeral: the idle reset keeps its home/,
        ),
      ]);
      // The controls: only ephemeral levels offered, or no idle reset at all.
      expect(warnings('  levels: [low]\n')).toEqual([]);
      expect(warnings('  levels: [low, high]\n  idleSeconds: 0\n')).toEqual([]);
    });

    it('refuses a level offered twice', () => {
      expect(problems('  levels: [low, high, low]\n')).toEqual([
        expect.objectContaining({
          path: 'kiosk.levels[2]',
          message: 'level "low" is already offered by an earlier entry',
        }),
      ]);
    });

    it.each([
      [
        'an unknown offered level',
        '  levels: [low, hihg]\n',
        'kiosk.levels[1]',
        17,
        'unknown level "hihg"; did you mean "high"?',
      ],
      [
        'a start level it does not offer',
        '  levels: [low]\n  startLevel: high\n',
        'kiosk.startLevel',
        18,
        'not among the levels the kiosk offers (low)',
      ],
      [
        'an autostart app of a level it does not offer',
        '  levels: [low]\n  autostart: [{ level: high, app: notes }]\n',
        'kiosk.autostart[0].level',
        18,
        'level "high" is not among the levels the kiosk offers',
      ],
      [
        'an autostart app that does not exist',
        '  autostart: [{ level: low, app: browsr }]\n',
        'kiosk.autostart[0].app',
        17,
        'level "low" has no app "browsr"; did you mean "browser"?',
      ],
      [
        'an autostart web app',
        '  autostart: [{ level: low, app: site }]\n',
        'kiosk.autostart[0].app',
        17,
        '"site" is a web app',
      ],
      [
        'the same app twice',
        '  autostart:\n    - { level: low, app: browser }\n    - { level: low, app: browser }\n',
        'kiosk.autostart[1].app',
        19,
        'low/browser is already started',
      ],
      ['an unknown field', '  exitKey: F12\n', 'kiosk.exitKey', 17, 'unknown key "exitKey"'],
      ['a negative idle timeout', '  idleSeconds: -5\n', 'kiosk.idleSeconds', 17, 'at least 0'],
    ])('refuses %s, naming the place', (_name, kiosk, path, line, message) => {
      const found = problems(kiosk);
      expect(found).toContainEqual(
        expect.objectContaining({ path, line, message: expect.stringContaining(message) }),
      );
    });
  });
});
