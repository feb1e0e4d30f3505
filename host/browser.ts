// The shell's own browser in browser-host mode: how Debian's Chromium is started on the opening
// link. Pure; host/start.ts runs it. Trust boundary: the command line is public to every local
// account (/proc/PID/cmdline), so it carries no secret.
import { pathToFileURL } from 'node:url';

export const CHROMIUM_FLAGS = [
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * The shell's browser: Chromium's own sandbox on unless run as root (where Chromium refuses to
 * start with it), and the one-time link reached through an opener file in the private profile
 * folder, never on the command line, which every local account can read in /proc.
 */
export function browserArgs(profile: string, opener: string, uid: number | undefined): string[] {
  return [
    ...(uid === 0 ? ['--no-sandbox'] : []),
    ...CHROMIUM_FLAGS,
    `--user-data-dir=${profile}`,
    `--app=${pathToFileURL(opener).href}`,
  ];
}

/** A page that goes straight to the opening link: written where only this account can read. */
export function openerPage(openingUrl: string): string {
  const url = openingUrl.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');
  return `<!doctype html><meta http-equiv="refresh" content="0;url=${url}"><title>Cloison</title>\n`;
}

/**
 * `argv` run so that it ends with this process (PR_SET_PDEATHSIG through util-linux's setpriv):
 * a host that dies, even by SIGKILL, takes its browser and its daemon with it, so no window is
 * left talking to whoever takes the freed port next.
 */
export function tiedToThisProcess(argv: readonly string[], signal: 'KILL' | 'TERM'): string[] {
  return ['/usr/bin/setpriv', '--pdeathsig', signal, '--', ...argv];
}
