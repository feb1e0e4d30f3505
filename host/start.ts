#!/usr/bin/env node
// `npm start`: the shell on the embedded default. Runs the Electron shell when an Electron runtime
// is installed; otherwise says so in one line and serves the same renderer on loopback to the
// system's Chromium through the browser host. Either way it uses a daemon already serving the
// state folder's user socket, or starts the embedded one as its child (and says which).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DaemonClient } from '../core/client/client.js';
import { defaultStateDir, statePaths } from '../core/state/paths.js';
import { browserArgs, openerPage, tiedToThisProcess } from './browser.js';
import { startHost } from './server.js';

const here = dirname(fileURLToPath(import.meta.url));
/** dist/host → the repository root. */
const root = join(here, '..', '..');
const cloisondJs = join(root, 'dist/core/daemon/cloisond.js');
const rendererDir = join(root, 'dist/renderer');
const electronMain = join(root, 'dist/electron/main.cjs');

function say(line: string): void {
  process.stderr.write(`cloison-shell: ${line}\n`);
}

/** The Electron binary when its runtime was downloaded (`npm i electron` with its install script). */
export function electronRuntime(): string | undefined {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown;
    return typeof path === 'string' && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

async function reachable(socket: string): Promise<boolean> {
  try {
    const c = await DaemonClient.connect(socket);
    c.close();
    return true;
  } catch {
    return false;
  }
}

function startDaemon(state: string): Promise<ChildProcess> {
  const [program, ...args] = tiedToThisProcess(
    [process.execPath, cloisondJs, '--state', state],
    'TERM',
  );
  const child = spawn(program!, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) resolve(child);
    });
    child.once('exit', (code) =>
      reject(new Error(`cloisond exited with ${code} before it was ready`)),
    );
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      state: { type: 'string' },
      /** The sockets' folder of a system daemon (default: $CLOISON_RUN, else <state>/run). */
      run: { type: 'string' },
      port: { type: 'string' },
      'no-open': { type: 'boolean' },
      browser: { type: 'boolean' },
    },
  });
  const state = values.state ?? defaultStateDir();
  const run = values.run ?? process.env.CLOISON_RUN;
  const paths = statePaths(state, run ? { run } : {});
  const electron = values.browser ? undefined : electronRuntime();
  if (electron && existsSync(electronMain)) {
    say(`starting the Electron shell (${electron})`);
    // Its sockets' folder too, when given: the Electron shell then uses that daemon, as this does.
    const child = spawn(
      electron,
      [electronMain, '--state', state, ...(run ? ['--run', run] : [])],
      {
        stdio: 'inherit',
      },
    );
    child.on('exit', (code) => process.exit(code ?? 1));
    return;
  }
  say(
    values.browser
      ? 'browser host requested: serving the shell to the system Chromium.'
      : 'no Electron runtime found (node_modules/electron has no binary): serving the same shell to the system Chromium through the browser host.',
  );

  let daemon: ChildProcess | undefined;
  if (await reachable(paths.userSocket)) {
    say(`using the daemon already serving ${paths.userSocket}`);
  } else if (run) {
    // A system install's sockets were named: an embedded daemon elsewhere is not what was asked.
    throw new Error(
      `no daemon serves ${paths.userSocket}: start the system's (systemctl start cloisond), or leave --run and $CLOISON_RUN unset for the embedded one`,
    );
  } else {
    daemon = await startDaemon(state);
    say(
      `started the embedded daemon (pid ${daemon.pid}) on the embedded default, state in ${state}`,
    );
  }

  const host = await startHost({
    userSocket: paths.userSocket,
    actor: userInfo().username,
    rendererDir,
    ...(values.port ? { port: Number(values.port) } : {}),
    log: say,
  }).catch((err: unknown) => {
    // The daemon started for this shell does not outlive it.
    daemon?.kill('SIGTERM');
    throw err;
  });
  say(`open the shell (one-time link): ${host.openingUrl}`);
  process.stdout.write(`${host.openingUrl}\n`);

  let chromium: ChildProcess | undefined;
  let profile: string | undefined;
  const browserPath = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
  if (!values['no-open'] && browserPath) {
    profile = mkdtempSync(join(tmpdir(), 'cloison-shell-profile-'));
    const opener = join(profile, 'open.html');
    writeFileSync(opener, openerPage(host.openingUrl), { mode: 0o600 });
    const [program, ...args] = tiedToThisProcess(
      [browserPath, ...browserArgs(profile, opener, process.getuid?.())],
      'KILL',
    );
    chromium = spawn(program!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let errors = '';
    chromium.stderr?.on('data', (d: Buffer) => (errors = (errors + d.toString()).slice(-2000)));
    chromium.on('exit', (code) => {
      if (code !== 0 && code !== null) {
        const last = errors.trim().split('\n').slice(-3).join(' | ');
        say(`Chromium ended with status ${code}${last ? `: ${last}` : ''}`);
      }
      say(
        `Chromium closed; the host keeps serving until Ctrl+C. A new one-time link: ${host.newOpeningUrl()}`,
      );
    });
  } else if (!values['no-open']) {
    say('no Chromium found at /usr/bin/chromium: open the link above in a browser.');
  }

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    chromium?.kill('SIGTERM');
    await host.close();
    if (daemon && daemon.exitCode === null) {
      const exited = new Promise((r) => daemon!.once('exit', r));
      daemon.kill('SIGTERM');
      await exited;
    }
    if (profile) rmSync(profile, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  daemon?.on('exit', (code) => {
    if (!stopping) {
      say(`the daemon exited (${code}); stopping`);
      void stop();
    }
  });
}

main().catch((err: unknown) => {
  say(`cannot start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
