// The attacker's side of the throw-away compartment tests: what a renderer taken over by a hostile
// document would try from inside (reach the network, write somewhere that outlives it, leave a
// process behind, take more memory or /tmp than allowed). Not shipped. It only reports, as one
// JSON document on stdout; the test decides.
// Usage: node throwaway-probe.mjs MARKER HOST_PORT HOST_ADDRESS
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { Buffer } from 'node:buffer';
import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';

const [marker, hostPort, hostAddress] = process.argv.slice(2);

function attempt(fn) {
  try {
    return { ok: true, value: fn() };
  } catch (err) {
    return { ok: false, code: err.code ?? err.name ?? String(err) };
  }
}

function connect(host, port, timeoutMs = 1500) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (result) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done({ ok: false, code: 'TIMEOUT' }), timeoutMs);
    socket.once('connect', () => done({ ok: true }));
    socket.once('error', (err) => done({ ok: false, code: err.code ?? String(err) }));
  });
}

async function ownLoopback() {
  const server = net.createServer((s) => s.destroy());
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const result = await connect('127.0.0.1', server.address().port);
  server.close();
  return result;
}

const places = [
  '/tmp',
  '/var/tmp',
  '/dev/shm',
  '/run',
  '/in',
  '/home',
  '/root',
  '/',
  '/usr',
  '/etc',
];
const writes = {};
for (const place of places) writes[place] = attempt(() => writeFileSync(`${place}/${marker}`, 'x'));

// A process meant to outlive the job.
const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 300000)', marker], {
  detached: true,
  stdio: 'ignore',
});
child.unref();

const report = {
  uid: process.getuid(),
  interfaces: Object.keys(os.networkInterfaces()),
  ownLoopback: await ownLoopback(),
  hostLoopback: await connect('127.0.0.1', Number(hostPort)),
  hostAddress: await connect(hostAddress, Number(hostPort)),
  outside: await connect('1.1.1.1', 53),
  writes,
  earlierRunLeft: existsSync(`/tmp/${marker}-earlier`),
  tmpFill: attempt(() => writeFileSync('/tmp/fill', Buffer.alloc(64 * 1024 * 1024, 1))),
  memory: attempt(() => Buffer.alloc(512 * 1024 * 1024, 1).length),
  home: attempt(() => readdirSync('/home')),
  rootHome: attempt(() => readdirSync('/root')),
  work: attempt(() => readdirSync('/work')),
  background: child.pid,
};
rmSync('/tmp/fill', { force: true });
writeFileSync(`/tmp/${marker}-earlier`, 'x');
process.stdout.write(JSON.stringify(report));
