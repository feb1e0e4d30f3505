// Test harness: a real cloisond process on a private state folder, the real CLI, real clients.
// Not shipped; the daemon and the CLI come from dist/, which the Vitest global setup builds.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DaemonClient } from '../client/client.js';
import { levelHome, statePaths, type LevelWhere, type StatePaths } from '../state/paths.js';

/** The repository root, from core/testing/ or from its build in dist/core/testing/. */
export const root = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
})();
export const cloisondJs = join(root, 'dist/core/daemon/cloisond.js');
export const cloisonJs = join(root, 'dist/core/cli/cloison.js');
export const defaultConfigYaml = join(root, 'assets/default-config.yaml');

export interface CliResult {
  code: number;
  stdout: Buffer;
  stderr: string;
  text: string;
}

export interface TestDaemon {
  dir: string;
  state: string;
  paths: StatePaths;
  configFile: string;
  process: ChildProcess;
  log: () => string;
  home(level: string | LevelWhere): string;
  cli(args: string[], options?: { stdin?: string | Buffer; actor?: string }): Promise<CliResult>;
  client(role: 'user' | 'admin', actor?: string): Promise<DaemonClient>;
  /** Starts the daemon again on the same state folder (after stop or kill). */
  restart(): Promise<void>;
  stop(): Promise<number | null>;
  kill9(): Promise<void>;
  cleanup(): Promise<void>;
}

export interface DaemonOptions {
  /** Configuration text; the embedded default when absent. */
  config?: string;
  /** Drop-in rule files: name → text. */
  rulesD?: Record<string, string>;
  /**
   * Run on the packaged default itself (assets/default-config.yaml), as `npm start` does, rather
   * than on a copy in the test's folder.
   */
  packagedDefault?: boolean;
  /** Where to write the configuration (e.g. right in /etc), instead of the test's own folder. */
  configAt?: string;
  /** Wrap the daemon command (e.g. with unshare). */
  wrap?: (argv: string[]) => string[];
}

export async function startDaemon(options: DaemonOptions = {}): Promise<TestDaemon> {
  const dir = await mkdtemp(join(tmpdir(), 'cloison-test-'));
  // As root, the daemon runs compartments as an unprivileged account, which must pass through the
  // folders above the state folder (as it would through /var/lib).
  await chmod(dir, 0o711);
  const state = join(dir, 'state');
  const etc = join(dir, 'etc');
  await mkdir(join(etc, 'rules.d'), { recursive: true });
  const configFile = options.packagedDefault
    ? defaultConfigYaml
    : (options.configAt ?? join(etc, 'config.yaml'));
  if (!options.packagedDefault)
    await writeFile(configFile, options.config ?? readFileSync(defaultConfigYaml, 'utf8'));
  for (const [name, text] of Object.entries(options.rulesD ?? {}))
    await writeFile(join(etc, 'rules.d', name), text);
  const paths = statePaths(state);
  let logText = '';
  let child!: ChildProcess;

  async function launch(): Promise<void> {
    const argv = [process.execPath, cloisondJs, '--config', configFile, '--state', state];
    const [cmd, ...args] = options.wrap ? options.wrap(argv) : argv;
    child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr!.on('data', (d: Buffer) => (logText += d.toString()));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(
        () => reject(new Error(`cloisond did not start:\n${logText}`)),
        20_000,
      );
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`cloisond exited with ${code} before it was ready:\n${logText}`));
      });
    });
  }

  await launch();

  const daemon: TestDaemon = {
    dir,
    state,
    paths,
    configFile,
    get process() {
      return child;
    },
    log: () => logText,
    home: (level) => levelHome(paths, typeof level === 'string' ? { id: level } : level),
    cli: (args, opts = {}) =>
      runCli(['--state', state, '--actor', opts.actor ?? 'alice', ...args], opts.stdin),
    async client(role, actor = role === 'user' ? 'alice' : 'bob-admin') {
      const client = await DaemonClient.connect(
        role === 'user' ? paths.userSocket : paths.adminSocket,
      );
      await client.call('session.hello', { actor });
      return client;
    },
    restart: launch,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      return exited;
    },
    async kill9() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGKILL');
      await exited;
    },
    async cleanup() {
      await daemon.stop().catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
  return daemon;
}

export function runCli(args: string[], stdin?: string | Buffer): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cloisonJs, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const stdout = Buffer.concat(out);
      resolve({ code: code ?? -1, stdout, stderr: err, text: stdout.toString('utf8') });
    });
    child.stdin.end(stdin ?? '');
  });
}
