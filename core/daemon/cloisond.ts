#!/usr/bin/env node
// cloisond, the broker daemon: loads the configuration, opens the audit log, and serves the user
// and admin sockets of one state folder until SIGTERM. SIGHUP reloads the configuration.
import { mkdir, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultConfigFile } from '../config/index.js';
import { CloisonError } from '../contract/errors.js';
import { defaultRunDir, defaultStateDir, statePaths } from '../state/paths.js';
import { acquireLock } from './lock.js';
import { Service } from './service.js';
import { listen, prepareRunDir } from './sockets.js';

const usage = `usage: cloisond [--config FILE] [--rules-dir DIR] [--state DIR] [--run DIR]
                [--user-group GROUP] [--admin-group GROUP]
  --config FILE        configuration (default: $CLOISON_CONFIG, else the embedded default)
  --rules-dir DIR      drop-in rule files (default: rules.d next to the configuration)
  --state DIR          state folder (default: $CLOISON_STATE, else $XDG_STATE_HOME/cloison)
  --run DIR            the sockets' folder (default: $CLOISON_RUN, else run/ in the state folder)
  --user-group GROUP   members may use the user socket (else only the daemon's account)
  --admin-group GROUP  members may use the admin socket (else only the daemon's account)`;

/** A group's id from /etc/group; a missing group stops the start with its name. */
async function groupId(name: string): Promise<number> {
  const groups = await readFile('/etc/group', 'utf8').catch(() => '');
  for (const line of groups.split('\n')) {
    const [group, , gid] = line.split(':');
    if (group === name && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  throw new CloisonError('INVALID_CONFIG', `There is no group "${name}" on this machine.`);
}

const EX_CONFIG = 78;

function log(line: string): void {
  process.stderr.write(`${new Date().toISOString()} cloisond[${process.pid}]: ${line}\n`);
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        config: { type: 'string' },
        'rules-dir': { type: 'string' },
        state: { type: 'string' },
        run: { type: 'string' },
        'user-group': { type: 'string' },
        'admin-group': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${usage}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  const configFile = resolve(args.config ?? process.env.CLOISON_CONFIG ?? defaultConfigFile);
  const run = args.run ? resolve(args.run) : defaultRunDir();
  const paths = statePaths(
    args.state ? resolve(args.state) : defaultStateDir(),
    run ? { run } : {},
  );
  // Groups are looked up before anything starts: a typo is an error now, not a socket nobody can use.
  const userGid = args['user-group'] ? await groupId(args['user-group']) : undefined;
  const adminGid = args['admin-group'] ? await groupId(args['admin-group']) : undefined;
  await mkdir(paths.root, { recursive: true, mode: 0o700 });
  const releaseLock = await acquireLock(paths.lock);
  let service: Service;
  try {
    service = await Service.start({
      paths,
      configFile,
      ...(args['rules-dir'] ? { rulesDir: resolve(args['rules-dir']) } : {}),
      log,
      sharedUserSocket: userGid !== undefined,
      displayAccess: {
        mode: userGid !== undefined ? 0o660 : 0o600,
        ...(userGid !== undefined ? { gid: userGid } : {}),
      },
    });
  } catch (err) {
    await releaseLock();
    throw err;
  }
  await prepareRunDir(paths.run);
  const handlers = service.handlers();
  const common = {
    handlers,
    log,
    maxMessageBytes: () => service.maxMessageBytes(),
    onSession: (session: Parameters<typeof service.sessions.add>[0], open: boolean) => {
      if (open) service.sessions.add(session);
      else {
        service.sessions.delete(session);
        service.clipboardBuffers.forget(session);
        void service.broker.sessionClosed(session).catch(() => undefined);
        void service.admins.logout(session, 'connection closed');
      }
    },
  };
  // Each socket is the daemon's account's, and its group's when one is given (a system install
  // gives the user socket to the users' group, the admin socket to the administrators').
  const servers = [
    await listen({
      ...common,
      path: paths.userSocket,
      role: 'user',
      mode: userGid !== undefined ? 0o660 : 0o600,
      ...(userGid !== undefined ? { gid: userGid } : {}),
    }),
    await listen({
      ...common,
      path: paths.adminSocket,
      role: 'admin',
      mode: adminGid !== undefined ? 0o660 : 0o600,
      ...(adminGid !== undefined ? { gid: adminGid } : {}),
    }),
  ];
  log(
    `serving ${paths.userSocket} (user) and ${paths.adminSocket} (admin); configuration ${configFile}`,
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    for (const server of servers) server.close();
    for (const session of service.sessions) session.close();
    await service.stop();
    await releaseLock();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGHUP', () => {
    service.reload('cloisond (SIGHUP)').then(
      (r) => log(`configuration reloaded: ${r.digest}`),
      (err: Error) => log(`configuration refused, the previous one stays: ${err.message}`),
    );
  });
  // Ready only once the signal handlers are in place: a SIGTERM sent on readiness (a service
  // manager, a test) must stop the daemon cleanly, not kill it with the default action.
  process.stdout.write(`ready ${paths.root}\n`);
  return -1;
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    const message = err instanceof CloisonError || err instanceof Error ? err.message : String(err);
    log(`cannot start: ${message}`);
    // 78 (EX_CONFIG): a configuration that will not do; the service manager does not start it again
    // in a loop until someone changes it (RestartPreventExitStatus=78). Other failures may pass.
    process.exit(err instanceof CloisonError && err.code === 'INVALID_CONFIG' ? EX_CONFIG : 1);
  },
);
