// The Electron shell's daemon: the one already serving the user socket (a system install, or a
// daemon started by hand), else the embedded daemon started as a child on the embedded default
// configuration, its state in the user's folder. Which one is said in the log. A daemon that goes
// away (restarted by its service manager) is connected to again as soon as it is back.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { DaemonClient } from '../../core/client/client.js';

export interface ShellDaemon {
  client(): Promise<DaemonClient>;
  /** A connection of its own, hello said, for an administration session (see ipc.ts). */
  newConnection(): Promise<DaemonClient>;
  stop(): Promise<void>;
}

export async function connectDaemon(options: {
  userSocket: string;
  state: string;
  /** dist/core/daemon/cloisond.js */
  cloisondJs: string;
  log: (line: string) => void;
  /** Each event of whichever connection is current. */
  onEvent?: (raw: unknown) => void;
  /** The link dropped (false) or was made again (true). */
  onLink?: (connected: boolean, message: string) => void;
}): Promise<ShellDaemon> {
  let stopping = false;
  let retry: NodeJS.Timeout | undefined;
  let child: ChildProcess | undefined;
  const hello = async () => {
    const c = await DaemonClient.connect(options.userSocket);
    await c.call('session.hello', {
      actor: userInfo().username,
      client: 'cloison-shell (electron)',
    });
    await c.call('events.subscribe', {});
    return c;
  };
  let client: DaemonClient;
  try {
    client = await hello();
    options.log(`using the daemon already serving ${options.userSocket}`);
  } catch {
    // Electron's binary runs the daemon as plain Node.
    child = spawn(process.execPath, [options.cloisondJs, '--state', options.state], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child!.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('ready')) resolve();
      });
      child!.once('exit', (code) => reject(new Error(`cloisond exited with ${code}`)));
    });
    client = await hello();
    options.log(
      `started the embedded daemon (pid ${child.pid}) on the embedded default, state in ${options.state}`,
    );
  }
  const attach = (c: DaemonClient) => {
    c.onEvent((raw) => options.onEvent?.(raw));
    c.onClose((reason) => {
      if (stopping || c !== client) return;
      options.log(`lost the daemon (${reason}); reconnecting`);
      options.onLink?.(false, reason);
      const attempt = () => {
        if (stopping) return;
        hello().then(
          (next) => {
            client = next;
            attach(next);
            options.log('reconnected to the daemon');
            options.onLink?.(true, 'reconnected');
          },
          () => {
            retry = setTimeout(attempt, 500);
          },
        );
      };
      attempt();
    });
  };
  attach(client);
  return {
    client: async () => client,
    async newConnection() {
      const c = await DaemonClient.connect(options.userSocket);
      await c.call('session.hello', {
        actor: userInfo().username,
        client: 'cloison-shell (electron, admin console)',
      });
      return c;
    },
    async stop() {
      stopping = true;
      clearTimeout(retry);
      client.close();
      if (child && child.exitCode === null) {
        const exited = new Promise((r) => child!.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

export function cloisondPath(distElectron: string): string {
  return join(distElectron, '..', 'core', 'daemon', 'cloisond.js');
}
