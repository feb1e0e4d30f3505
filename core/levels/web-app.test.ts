// The decisions behind web apps run in a level's compartment: origin filters that mean exactly one
// origin, permissions refused unless the level grants them, and which launches cannot work.
import { describe, expect, it } from 'vitest';
import { browserArgv, browserPolicy, originFilters, webAppRefusal } from './web-app.js';

describe('web apps in a compartment', () => {
  describe('originFilters', () => {
    it.each([
      [
        'an https URL: exact host, default port',
        { url: 'https://en.wikipedia.org/wiki/X', origins: [] },
        ['https://.en.wikipedia.org:443'],
      ],
      [
        'an http URL with a port and listed origins, deduplicated',
        {
          url: 'http://intranet.example.org:8080/a',
          origins: ['http://intranet.example.org:8080', 'https://sso.example.org'],
        },
        ['http://.intranet.example.org:8080', 'https://.sso.example.org:443'],
      ],
      [
        'an IP address (no subdomains to turn off)',
        { url: 'http://127.0.0.1:5000/', origins: [] },
        ['http://127.0.0.1:5000'],
      ],
    ])('%s', (_, app, expected) => {
      expect(originFilters(app)).toEqual(expected);
    });
  });

  describe('browserPolicy', () => {
    const app = { url: 'https://a.example/', origins: [] };

    it('blocks every navigation but the app origins', () => {
      const policy = browserPolicy(app, { webPermissions: [] });
      expect(policy.URLBlocklist).toEqual(
        expect.arrayContaining(['*', 'chrome://*', 'devtools://*']),
      );
      expect(policy.URLAllowlist).toEqual(['https://.a.example:443']);
    });

    it.each([
      ['geolocation', 'DefaultGeolocationSetting', 1, 2],
      ['notifications', 'DefaultNotificationsSetting', 1, 2],
      ['clipboard-read', 'DefaultClipboardSetting', 1, 2],
      ['camera', 'VideoCaptureAllowed', true, false],
      ['microphone', 'AudioCaptureAllowed', true, false],
      ['fullscreen', 'FullscreenAllowed', true, false],
    ] as const)('grants %s only when the level does (%s)', (permission, key, yes, no) => {
      expect(browserPolicy(app, { webPermissions: [permission] })[key]).toBe(yes);
      expect(browserPolicy(app, { webPermissions: [] })[key]).toBe(no);
    });

    it("downloads into the level's home without a dialog, and offers no developer tools", () => {
      const policy = browserPolicy(app, { webPermissions: [] });
      expect(policy.DownloadDirectory).toBe('/home/user/Downloads');
      expect(policy.PromptForDownloadLocation).toBe(false);
      expect(policy.DeveloperToolsAvailability).toBe(2);
      expect(policy.SyncDisabled).toBe(true);
    });
  });

  describe('browserArgv', () => {
    it("binds the app's own policy read-only and gives the app its own profile", () => {
      const argv = browserArgv({ id: 'mail', url: 'https://mail.example/' });
      const bind = argv.indexOf('--ro-bind');
      expect(argv.slice(bind, bind + 3)).toEqual([
        '--ro-bind',
        '/run/cloison/web/mail.json',
        '/etc/chromium/policies/managed/cloison.json',
      ]);
      expect(argv.indexOf('--remount-ro')).toBeGreaterThan(bind);
      expect(argv).toContain('--app=https://mail.example/');
      expect(argv).toContain('--user-data-dir=/home/user/.cloison/web/mail');
      expect(argv).not.toContain('--no-sandbox');
    });
  });

  describe('webAppRefusal', () => {
    it.each([
      ['a remote app in a level without network', 'none', 'https://intranet.example.org/', true],
      ['a remote app on the host network', 'host', 'https://intranet.example.org/', false],
      ["the level's own loopback, without network", 'none', 'http://127.0.0.1:8888/', false],
      ['localhost, without network', 'none', 'http://localhost:8888/', false],
      ['a look-alike of loopback', 'none', 'http://127.0.0.1.example.org/', true],
    ] as const)('%s', (_, network, url, refused) => {
      const why = webAppRefusal({ id: 'x', url }, { id: 'l', network });
      expect(why !== undefined).toBe(refused);
      if (refused) expect(why).toMatch(/network: none/);
    });
  });
});
