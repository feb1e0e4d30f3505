// The attacker's side of the compartment tests: a hostile app of one level, run inside its
// compartment, that tries to reach what belongs to another level, the daemon or the host. Not
// shipped. It reads what to try from $HOME/probe-targets.json (so that nothing it looks for shows up
// on its own command line) and writes what happened to $HOME/probe-result.json for the test to read
// from the host. It only reports; the test decides.
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';

const home = process.env.HOME ?? '/home/user';
const targets = JSON.parse(readFileSync(join(home, 'probe-targets.json'), 'utf8'));

/** What one attempt came to: 'ok' (with what it got), or the error code. */
function attempt(fn) {
  try {
    const value = fn();
    return { ok: true, value };
  } catch (err) {
    return { ok: false, code: err.code ?? String(err) };
  }
}

/** Connects to a Unix socket path (abstract when it starts with \0) or a TCP address. */
function connect(target, timeoutMs = 1500) {
  return new Promise((resolve) => {
    const socket =
      typeof target === 'string'
        ? net.connect({ path: target })
        : net.connect({ host: target.host, port: target.port });
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

/** A listener inside the compartment's own loopback, and a connection to it: the control. */
async function ownLoopback() {
  const server = net.createServer((s) => s.destroy());
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  const result = await connect({ host: '127.0.0.1', port });
  server.close();
  return result;
}

function numericProcEntries() {
  return readdirSync('/proc').filter((name) => /^\d+$/.test(name));
}

/** Every text of /proc a process could learn its surroundings from, by file name. */
function procTexts() {
  const texts = {};
  const read = (path) => {
    try {
      texts[path] = readFileSync(path).toString('utf8').replaceAll('\0', ' ');
    } catch (err) {
      texts[path] = `<${err.code ?? err}>`;
    }
  };
  read('/proc/self/mountinfo');
  read('/proc/self/mounts');
  for (const pid of numericProcEntries()) {
    for (const file of ['cmdline', 'environ', 'mountinfo']) read(`/proc/${pid}/${file}`);
  }
  return texts;
}

const result = {
  self: process.pid,
  uid: process.getuid(),
  hostname: os.hostname(),
  env: { ...process.env },
  interfaces: Object.keys(os.networkInterfaces()),
  homes: {},
  files: {},
  sockets: {},
  tcp: [],
  pids: {},
  proc: [],
  procCommands: {},
  writes: {},
  guarded: {},
  leaks: [],
  ownLoopback: await ownLoopback(),
};

for (const dir of targets.homes ?? []) result.homes[dir] = attempt(() => readdirSync(dir));
for (const file of targets.files ?? [])
  result.files[file] = attempt(() => readFileSync(file, 'utf8'));
for (const path of targets.sockets ?? []) result.sockets[path] = await connect(path);
for (const address of targets.tcp ?? [])
  result.tcp.push({ ...address, ...(await connect(address)) });

result.proc = numericProcEntries().map(Number);
for (const pid of result.proc) {
  result.procCommands[pid] = attempt(() =>
    readFileSync(`/proc/${pid}/cmdline`).toString('utf8').replaceAll('\0', ' ').trim(),
  );
}
for (const pid of targets.pids ?? []) {
  result.pids[pid] = attempt(() => readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
}

// The level's launcher runs as the same account: what a same-account process could take from it
// (its environment, its descriptors, its memory), tried on itself as the control.
for (const pid of [...(targets.guarded ?? []), 'self']) {
  result.guarded[pid] = {
    environ: attempt(() => readFileSync(`/proc/${pid}/environ`).length),
    fd0: attempt(() => readlinkSync(`/proc/${pid}/fd/0`)),
    fd1: attempt(() => readlinkSync(`/proc/${pid}/fd/1`)),
    mem: attempt(() => closeSync(openSync(`/proc/${pid}/mem`, 'r'))),
  };
}

for (const path of targets.writes ?? []) {
  result.writes[path] = attempt(() => {
    writeFileSync(path, 'written from a compartment\n');
    rmSync(path);
    return 'written';
  });
}
for (const path of targets.mkdirs ?? []) {
  result.writes[path] = attempt(() => {
    mkdirSync(path);
    rmSync(path, { recursive: true });
    return 'made';
  });
}

const texts = procTexts();
for (const [file, text] of Object.entries(texts)) {
  for (const needle of targets.needles ?? []) {
    if (text.includes(needle)) result.leaks.push({ file, needle });
  }
}
result.mountinfo = texts['/proc/self/mountinfo'];

const out = join(home, 'probe-result.json');
writeFileSync(`${out}.part`, JSON.stringify(result, null, 2));
renameSync(`${out}.part`, out);
