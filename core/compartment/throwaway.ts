// Throw-away compartments: one bubblewrap sandbox per conversion of untrusted content (a PDF to
// render, an office document to convert, an image to decode), made for that job and gone with it.
// Trust boundary: the broker on this side, a renderer fed hostile bytes on the other; what comes
// back is a byte stream on stdout, and files the job leaves in a folder of its own private /tmp,
// which the broker reads from outside (`openFolder`) and checks before anything is built from them.
import { constants } from 'node:fs';
import { lstat, open, type FileHandle } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { CloisonError } from '../contract/errors.js';
import { sandboxEnv, SYSTEM_FOLDERS } from './sandbox.js';
import { killSandbox, startSandbox, type Account, type Sandbox } from './spawn.js';

export interface ThrowawayLimits {
  /** Private writable memory of each process inside (RLIMIT_DATA). */
  memoryBytes: number;
  /** CPU time of each process inside (RLIMIT_CPU). */
  cpuSeconds: number;
  /** Wall-clock time of the whole job; the broker kills the compartment after it. */
  wallSeconds: number;
  /** Size of /tmp (and of /run and /dev/shm), the only writable places: memory no rlimit counts. */
  tmpBytes: number;
  /** Size of /run and /dev/shm when smaller than /tmp's (a renderer writing its pages to /tmp). */
  runBytes?: number;
}

export interface ThrowawayJob {
  /** What runs inside, under the limits; never through a shell unless the argv says so. */
  argv: string[];
  /** The untrusted content and anything else the job reads, as read-only files (e.g. /in/doc). */
  inputs: { dest: string; data: Uint8Array }[];
  /** Further host folders, read-only (e.g. a decoder's library folder). */
  mounts?: { kind: 'dir'; host: string; dest: string; mode: 'ro' }[];
  limits: ThrowawayLimits;
  /** The account it runs as when the daemon is root (see `compartmentAccount`). */
  account?: Account;
  /** Host folders hidden although under a system folder (the configuration, the state). */
  masked: string[];
  /** Host files hidden behind an empty one (a configuration file right in /etc). */
  maskedFiles?: string[];
  /**
   * Receives stdout, chunk by chunk; the next chunk waits for the returned promise, so a slow
   * consumer holds the renderer back rather than letting its output pile up in the broker.
   */
  onStdout: (chunk: Buffer) => Promise<void> | void;
  /** Aborting kills the compartment; its reason comes back as `stopped` (a cancelled transfer). */
  signal?: AbortSignal;
  /**
   * A pipe to the job's stdin for the broker's words to it (`ThrowawayRun.tell`): a go-ahead, or
   * stop and go to hold a renderer back. Else stdin is /dev/null.
   */
  control?: boolean;
}

export interface ThrowawayResult {
  /** Exit status of the job (128 + signal when killed). */
  code: number;
  /** The last few kilobytes of stderr: the renderer's words, untrusted. */
  stderr: string;
  /** Killed because it ran past `wallSeconds`. */
  timedOut: boolean;
  /** Set when the broker stopped it (a limit checked outside, a consumer's refusal). */
  stopped?: unknown;
}

export interface ThrowawayRun {
  /** Settles once nothing of the compartment runs any more. */
  done: Promise<ThrowawayResult>;
  /** Kills the compartment; `reason` comes back in the result (and is thrown by a consumer). */
  stop(reason: unknown): void;
  /** Writes a line to the job's stdin (a job started with `control`); nothing once it is gone. */
  tell(line: string): void;
  /**
   * Opens a folder of the compartment's own bounded /tmp (e.g. `/tmp/pages`) for the broker to
   * read from, through `/proc/<its init>/root`, refusing a link at its end. Call it only while the
   * job has run nothing that the untrusted content could have taken over (a job started with
   * `control` waits for the broker's word first): then the init is alive, so its pid names this
   * compartment and no other process, and every step of the path is bubblewrap's or the job's
   * trusted script's. The handle keeps that tmpfs readable (and its memory held) after the
   * compartment is gone: close it.
   */
  openFolder(path: string): Promise<FileHandle>;
}

const PRLIMIT = '/usr/bin/prlimit';
const STDERR_KEPT = 8192;

/**
 * The command a throw-away compartment runs: the job's argv under per-process limits set by
 * prlimit before it execs the job. RLIMIT_DATA rather than RLIMIT_AS: V8 and LibreOffice reserve
 * address space they never write (and refuse to start under a small RLIMIT_AS), while DATA counts
 * the private writable memory they can really use. No core dumps (they would land in /tmp).
 */
export function limitedArgv(argv: readonly string[], limits: ThrowawayLimits): string[] {
  return [
    PRLIMIT,
    `--data=${limits.memoryBytes}`,
    `--cpu=${limits.cpuSeconds}`,
    `--fsize=${limits.tmpBytes}`,
    '--core=0',
    '--',
    ...argv,
  ];
}

/** The environment inside: no locale or terminal of the daemon's, a home in the private /tmp. */
export const THROWAWAY_ENV = {
  PATH: '/usr/bin:/bin',
  HOME: '/tmp',
  TMPDIR: '/tmp',
  LANG: 'C.UTF-8',
} as const;

/**
 * Starts a job in a fresh compartment: every namespace its own (no network: only `lo`), the system
 * and the root read-only, nothing of any home, /tmp, /run and /dev/shm private, in memory and
 * bounded, a new session, no capabilities, killed with the daemon, and the account dropped when
 * the daemon is root.
 */
export async function startThrowaway(job: ThrowawayJob): Promise<ThrowawayRun> {
  let stderr = '';
  let stopped: unknown;
  let timedOut = false;
  const sandbox = await startSandbox({
    argv: limitedArgv(job.argv, job.limits),
    mounts: [
      ...job.inputs.map((i) => ({ kind: 'data' as const, data: i.data, dest: i.dest })),
      ...(await fontCache()),
      ...(job.mounts ?? []),
      // An empty file over each hidden one (bound after /etc, so it wins).
      ...(job.maskedFiles ?? []).map((dest) => ({
        kind: 'data' as const,
        data: new Uint8Array(),
        dest,
      })),
    ],
    masked: job.masked,
    network: 'none',
    hostname: 'sanitiser',
    env: sandboxEnv({}, { ...THROWAWAY_ENV }),
    cwd: '/tmp',
    tmpBytes: job.limits.tmpBytes,
    ...(job.limits.runBytes !== undefined ? { runBytes: job.limits.runBytes } : {}),
    readOnlyRoot: true,
    stdout: 'pipe',
    ...(job.control ? { stdin: 'pipe' as const } : {}),
    ...(job.account ? { account: job.account } : {}),
    onOutput: (text) => {
      stderr = (stderr + text).slice(-STDERR_KEPT);
    },
  });
  const timer = setTimeout(() => {
    timedOut = true;
    void killSandbox(sandbox);
  }, job.limits.wallSeconds * 1000);
  const stop = (reason: unknown) => {
    stopped ??= reason;
    void killSandbox(sandbox);
  };
  const abort = () => stop(job.signal?.reason);
  if (job.signal?.aborted) abort();
  else job.signal?.addEventListener('abort', abort, { once: true });
  const stdin = sandbox.process.stdin as Writable | null;
  const tell = (line: string) => {
    if (stdin && !stdin.writableEnded && !stdin.destroyed) stdin.write(`${line}\n`);
  };
  const done = (async (): Promise<ThrowawayResult> => {
    try {
      await consume(sandbox, job, stop);
      const code = await sandbox.exited;
      return { code, stderr, timedOut, ...(stopped !== undefined ? { stopped } : {}) };
    } finally {
      clearTimeout(timer);
      job.signal?.removeEventListener('abort', abort);
      stdin?.destroy();
      // Its init gone means its PID namespace is gone: no process of the job survives it.
      await killSandbox(sandbox);
    }
  })();
  const openFolder = async (path: string) => {
    if (!/^\/tmp(\/[A-Za-z0-9_-]+)+$/.test(path))
      throw new Error(`not a folder of the compartment's /tmp: ${path}`);
    return open(
      `/proc/${sandbox.childPid}/root${path}`,
      constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW,
    );
  };
  return { done, stop, tell, openFolder };
}

const FONT_CACHE = '/var/cache/fontconfig';

/**
 * The system's font cache, read-only, when there is one: without it every renderer would scan all
 * the fonts at start (a tenth of a second per document). It holds font file names, no secret.
 */
async function fontCache(): Promise<{ kind: 'dir'; host: string; dest: string; mode: 'ro' }[]> {
  const present = await lstat(FONT_CACHE).then(
    (s) => s.isDirectory(),
    () => false,
  );
  return present ? [{ kind: 'dir', host: FONT_CACHE, dest: FONT_CACHE, mode: 'ro' }] : [];
}

/** Feeds stdout to the consumer with back-pressure; a consumer that throws stops the job. */
async function consume(sandbox: Sandbox, job: ThrowawayJob, stop: (r: unknown) => void) {
  const stdout = sandbox.process.stdout as Readable;
  try {
    for await (const chunk of stdout) {
      await job.onStdout(chunk as Buffer);
    }
  } catch (error) {
    stop(error);
    stdout.destroy();
  }
}

/** Runs a job to its end; resolves with its result (never throws for the job's own failures). */
export async function runThrowaway(job: ThrowawayJob): Promise<ThrowawayResult> {
  const run = await startThrowaway(job);
  return run.done;
}

/** The renderer's stderr made fit for an error message: printable ASCII, a few lines, short. */
export function rendererWords(stderr: string, max = 300): string {
  const lines = stderr
    .replace(/[^\x20-\x7e\n]/g, '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  // Repeated complaints (a fuzzed file yields the same syntax error many times) said once.
  const unique = [...new Set(lines)];
  const text = unique.slice(-4).join('; ');
  return text.length > max ? `…${text.slice(-max)}` : text;
}

/** The error for a compartment that could not run the job at all (bwrap, prlimit missing). */
export function compartmentUnavailable(what: string, error: unknown): CloisonError {
  if (error instanceof CloisonError) return error;
  return new CloisonError(
    'COMPARTMENT_FAILED',
    `The throw-away compartment for ${what} could not start: ${error instanceof Error ? error.message : String(error)}.`,
  );
}

/**
 * Of `candidates` (the configuration's folder, its drop-ins, the state folder, /etc/cloison), the
 * folders a compartment would see through a system folder it binds, and must not: they are hidden
 * behind an empty tmpfs. (A system folder itself is never hidden whole; a configuration file right
 * in one is hidden by the caller, file by file.)
 */
export async function maskedFolders(candidates: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const path of candidates) {
    const underSystem = SYSTEM_FOLDERS.some((f) => path.startsWith(`${f}/`));
    if (!underSystem || out.includes(path)) continue;
    const isDir = await lstat(path).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (isDir) out.push(path);
  }
  return out;
}
