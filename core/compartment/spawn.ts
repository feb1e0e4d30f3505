// Runs one bubblewrap sandbox: its arguments through a descriptor (never on a command line, never
// through a shell), host folders and files as open descriptors, the account dropped before exec.
// Trust boundary: the daemon on this side, a level's (possibly hostile) app on the other.
import { spawn, type ChildProcess } from 'node:child_process';
import { constants, lstatSync, readlinkSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import type { FileHandle } from 'node:fs/promises';
import fs from 'node:fs/promises';
import { CloisonError } from '../contract/errors.js';
import { sandboxArgs, SYSTEM_FOLDERS, type SandboxSpec, type SystemLayout } from './sandbox.js';

/** O_PATH: a handle on a path (a socket, a file) that can be bound without being opened for I/O. */
const O_PATH = 0o10000000;

export type Mount =
  | { kind: 'dir' | 'path'; host: string; dest: string; mode: 'ro' | 'rw' }
  | { kind: 'data'; data: Uint8Array; dest: string };

export interface Account {
  uid: number;
  gid: number;
  name: string;
}

export interface SandboxRequest extends Omit<SandboxSpec, 'mounts' | 'infoFd' | 'system'> {
  mounts: Mount[];
  /** When set (daemon run as root), the sandbox runs as this account; else as the daemon's. */
  account?: Account;
  /** Receives what the sandbox writes on stdout (unless `stdout` is 'pipe') and stderr. */
  onOutput?: (text: string) => void;
  /** A pipe for the sandbox's stdin (the clipboard writer), else /dev/null. */
  stdin?: 'pipe';
  /** Keep stdout for the caller (the clipboard reader) rather than `onOutput`. */
  stdout?: 'pipe';
}

export interface Sandbox {
  /** The bwrap process (the sandbox's monitor outside it). */
  process: ChildProcess;
  /** The sandbox's first process as the host sees it (bubblewrap's init inside the PID namespace). */
  childPid: number;
  /** Resolves with the exit code (or 128 + signal) once the sandbox is gone. */
  exited: Promise<number>;
}

let layout: SystemLayout | undefined;

/** Which of SYSTEM_FOLDERS the host has, as folders to bind or merged-/usr links to recreate. */
export function systemLayout(): SystemLayout {
  if (layout) return layout;
  const folders: string[] = [];
  const links: SystemLayout['links'] = [];
  for (const path of SYSTEM_FOLDERS) {
    try {
      const st = lstatSync(path);
      if (st.isSymbolicLink()) links.push({ path, target: readlinkSync(path) });
      else if (st.isDirectory()) folders.push(path);
    } catch {
      // Absent on this host: nothing to bind.
    }
  }
  layout = { folders, links };
  return layout;
}

export const BWRAP = '/usr/bin/bwrap';

/** Fails with a sentence when bubblewrap is not installed. */
export async function requireBwrap(path = BWRAP): Promise<void> {
  try {
    await fs.access(path, constants.X_OK);
  } catch {
    throw new CloisonError(
      'COMPARTMENT_UNAVAILABLE',
      `bubblewrap is not installed (${path} is missing): install the "bubblewrap" package.`,
    );
  }
}

/**
 * Starts a sandbox and resolves once bubblewrap reports it running (its child pid), or rejects
 * with bubblewrap's own message when it could not set it up (a missing path, no user namespaces).
 */
export async function startSandbox(request: SandboxRequest): Promise<Sandbox> {
  await requireBwrap();
  // Descriptors: 3 = arguments, 4 = info, 5… = mounts.
  const handles: FileHandle[] = [];
  const stdio: (number | 'pipe' | 'ignore')[] = [
    request.stdin ?? 'ignore',
    'pipe',
    'pipe',
    'pipe',
    'pipe',
  ];
  const data: { index: number; bytes: Uint8Array }[] = [];
  const mounts: SandboxSpec['mounts'] = [];
  try {
    for (const m of request.mounts) {
      const fd = stdio.length;
      if (m.kind === 'data') {
        stdio.push('pipe');
        data.push({ index: fd, bytes: m.data });
        mounts.push({ fd, dest: m.dest, mode: 'data' });
        continue;
      }
      const flags =
        m.kind === 'dir'
          ? constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW
          : O_PATH;
      const handle = await fs.open(m.host, flags).catch((err: NodeJS.ErrnoException) => {
        throw new CloisonError(
          'COMPARTMENT_FAILED',
          `Cannot open ${m.host} for the compartment: ${err.code ?? err.message}.`,
        );
      });
      handles.push(handle);
      stdio.push(handle.fd);
      mounts.push({ fd, dest: m.dest, mode: m.mode });
    }
    const args = sandboxArgs({ ...request, system: systemLayout(), mounts, infoFd: 4 });
    const child = spawn(BWRAP, ['--args', '3', '--', ...request.argv], {
      stdio,
      env: {},
      ...(request.account ? { uid: request.account.uid, gid: request.account.gid } : {}),
    });
    const exited = new Promise<number>((resolve) => {
      child.once('exit', (code, signal) =>
        resolve(code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0)),
      );
      child.once('error', () => resolve(127));
    });
    const pipes = child.stdio as unknown as (Writable & Readable)[];
    // The sandbox may close its ends at any time (it exited, or never read a descriptor): an error
    // on one of these pipes is the sandbox's business, never a crash of the daemon.
    for (const pipe of pipes) pipe?.on?.('error', () => undefined);
    pipes[3]!.end(Buffer.from(args.map((a) => `${a}\0`).join('')));
    for (const d of data) pipes[d.index]!.end(Buffer.from(d.bytes));
    let stderr = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4096);
      request.onOutput?.(chunk);
    });
    if (request.stdout !== 'pipe') {
      child.stdout!.setEncoding('utf8');
      child.stdout!.on('data', (chunk: string) => request.onOutput?.(chunk));
    }
    const childPid = await readChildPid(pipes[4]!, exited, () => stderr);
    return { process: child, childPid, exited };
  } finally {
    // The child holds its own copies now.
    for (const h of handles) await h.close().catch(() => undefined);
  }
}

/** bwrap writes `{ "child-pid": N, … }` on the info descriptor once the sandbox is set up. */
function readChildPid(
  info: Readable,
  exited: Promise<number>,
  stderr: () => string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = '';
    info.setEncoding('utf8');
    info.on('data', (chunk: string) => {
      text += chunk;
      const match = /"child-pid"\s*:\s*(\d+)/.exec(text);
      if (match) resolve(Number(match[1]));
    });
    info.on('error', () => undefined);
    void exited.then((code) => {
      // Give stderr a moment to arrive: it holds bubblewrap's reason.
      setTimeout(() => {
        const why = stderr().trim().split('\n').slice(-3).join(' ');
        reject(
          new CloisonError(
            'COMPARTMENT_FAILED',
            `The compartment could not start (bwrap exited with ${code})${why ? `: ${why}` : ''}.`,
          ),
        );
      }, 20);
    });
  });
}

/**
 * Kills a sandbox and waits until nothing of it runs: SIGKILL to bubblewrap's init inside (the
 * kernel then kills everything in its PID namespace) and to the monitor, then waits for both,
 * since the init dies a moment after the monitor is reaped.
 */
export async function killSandbox(sandbox: Sandbox): Promise<void> {
  for (const pid of [sandbox.childPid, sandbox.process.pid]) {
    try {
      if (pid) process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  await sandbox.exited;
  const deadline = Date.now() + 2000;
  while (Date.now() < deadline && (await alive(sandbox.childPid)))
    await new Promise((r) => setTimeout(r, 5));
}

async function alive(pid: number): Promise<boolean> {
  try {
    // A zombie is dead for our purpose: it holds no socket and runs nothing.
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
