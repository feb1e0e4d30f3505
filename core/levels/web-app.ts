// Web apps where no Electron shell holds them (browser host, CLI): Debian's Chromium run inside the
// level's compartment, on its display, like any native app. Pure decisions: the browser's argv, the
// managed policy that limits it (origins, permissions, downloads), and when a launch cannot work.
import type { Level, WebApp, WebPermission } from '../contract/config.js';

/** The browser itself, not Debian's wrapper script (which sources /etc/chromium.d from the host). */
export const CHROMIUM = '/usr/lib/chromium/chromium';
/** Exists when Debian's chromium package is installed; the browser's policies are mounted over it. */
export const CHROMIUM_ETC = '/etc/chromium';
/** Where a level's compartment sees the daemon's policy files, read-only. */
export const POLICIES_IN_LEVEL = '/run/cloison/web';
const HOME = '/home/user';

/** The file name of an app's policy in the level's policy folder (ids are [a-z0-9-]). */
export function policyFile(app: Pick<WebApp, 'id'>): string {
  return `${app.id}.json`;
}

/**
 * The origins an app may navigate to as URL filters (`scheme://.host:port`): the leading dot turns
 * off Chromium's subdomain matching and the explicit port its any-port matching, so a filter means
 * exactly one origin, as the Electron shell's navigation guard does.
 */
export function originFilters(app: Pick<WebApp, 'url' | 'origins'>): string[] {
  const filters = new Set<string>();
  for (const raw of [app.url, ...app.origins]) {
    const url = new URL(raw);
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    // An IPv6 literal keeps its brackets; Chromium's filters take hosts as URLs write them.
    const host = url.hostname;
    const dotted = /^[\d.]+$/.test(host) || host.startsWith('[') ? host : `.${host}`;
    filters.add(`${url.protocol}//${dotted}:${port}`);
  }
  return [...filters];
}

const granted = (level: Pick<Level, 'webPermissions'>, p: WebPermission) =>
  level.webPermissions.includes(p);

/**
 * Chromium's managed policy for one web app: every navigation outside its origins blocked, each
 * permission refused unless the level grants it (as the Electron partition's handlers do),
 * downloads into the level's home without a dialog, and nothing that reaches outside the level
 * (sync, sign-in, extensions, metrics, background apps) or that opens a second surface (devtools).
 */
export function browserPolicy(
  app: Pick<WebApp, 'url' | 'origins'>,
  level: Pick<Level, 'webPermissions'>,
): Record<string, unknown> {
  const setting = (p: WebPermission) => (granted(level, p) ? 1 : 2);
  return {
    // `*` leaves Chromium's own pages open (the trial reached chrome://settings): named too.
    URLBlocklist: ['*', 'chrome://*', 'chrome-untrusted://*', 'devtools://*', 'view-source:*'],
    URLAllowlist: originFilters(app),
    DefaultGeolocationSetting: setting('geolocation'),
    DefaultNotificationsSetting: setting('notifications'),
    DefaultClipboardSetting: setting('clipboard-read'),
    VideoCaptureAllowed: granted(level, 'camera'),
    AudioCaptureAllowed: granted(level, 'microphone'),
    FullscreenAllowed: granted(level, 'fullscreen'),
    DownloadDirectory: `${HOME}/Downloads`,
    PromptForDownloadLocation: false,
    DeveloperToolsAvailability: 2,
    ExtensionInstallBlocklist: ['*'],
    SyncDisabled: true,
    BrowserSignin: 0,
    MetricsReportingEnabled: false,
    BackgroundModeEnabled: false,
    DefaultBrowserSettingEnabled: false,
    BrowserAddPersonEnabled: false,
    BrowserGuestModeEnabled: false,
  };
}

/**
 * The argv the level's launcher runs: a nested bubblewrap that puts this app's policy where Chromium
 * reads it (a tmpfs over /etc/chromium, made read-only once the file is bound), then the browser
 * in app mode with its own profile in the level's home. Chromium keeps its own sandbox inside.
 */
export function browserArgv(app: Pick<WebApp, 'id' | 'url'>): string[] {
  return [
    '/usr/bin/bwrap',
    '--dev-bind',
    '/',
    '/',
    '--tmpfs',
    CHROMIUM_ETC,
    '--ro-bind',
    `${POLICIES_IN_LEVEL}/${policyFile(app)}`,
    `${CHROMIUM_ETC}/policies/managed/cloison.json`,
    '--remount-ro',
    CHROMIUM_ETC,
    '--die-with-parent',
    '--',
    CHROMIUM,
    `--app=${app.url}`,
    // One profile per app: a second browser on the same profile would hand its window to the
    // first and exit, and the daemon would see the app end while its window stayed.
    `--user-data-dir=${HOME}/.cloison/web/${app.id}`,
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-gpu',
    '--disable-sync',
    '--disable-component-update',
    '--password-store=basic',
    '--start-maximized',
    '--log-level=3',
  ];
}

function isLoopback(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  );
}

/**
 * Why the app cannot run in its level's compartment, or undefined. A level without network has
 * only its own loopback: a web app elsewhere would only show a network error, so the launch is
 * refused with the reason (the Electron shell gives such apps the level's partition instead).
 */
export function webAppRefusal(
  app: Pick<WebApp, 'id' | 'url'>,
  level: Pick<Level, 'id' | 'network'>,
): string | undefined {
  if (level.network === 'host') return undefined;
  const { hostname } = new URL(app.url);
  if (isLoopback(hostname)) return undefined;
  return (
    `Web app "${app.id}" of level "${level.id}" cannot reach ${new URL(app.url).origin}: ` +
    `outside the Electron shell, web apps run inside the level's compartment, and this level ` +
    `has no network (network: none). Use the Electron shell, or point the app at a server of the ` +
    `level's own loopback.`
  );
}
