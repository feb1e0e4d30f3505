// A level's launcher: one bubblewrap compartment per running level, holding its namespaces (user,
// PID, network, mounts), with a small launcher (assets/launcher.pl) inside that forks and execs the
// level's apps on request. Setting up namespaces costs several milliseconds per sandbox; joining
// the level's costs nothing, so a launch is as cheap as a bare spawn. Trust boundary: what the
// launcher answers comes from inside a level (whose apps run as the same account), so every line
// is parsed strictly and none is believed beyond the pids this side asked for.
import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { CloisonError } from '../contract/errors.js';
import { assetFile } from '../assets/assets.js';
import { killSandbox, startSandbox, type Sandbox, type SandboxRequest } from './spawn.js';

export const PERL = '/usr/bin/perl';
/** Where the launcher's script is inside the compartment (a read-only copy, from data). */
const SCRIPT = '/run/cloison/launcher.pl';
/** prctl's system call number, for PR_SET_DUMPABLE (no perl module has it). */
const PRCTL: Partial<Record<NodeJS.Architecture, number>> = { x64: 157, arm64: 167 };
/** A launch that gets no answer within this time fails (a stopped or hung launcher). */
const ANSWER_MS = 10_000;
/** No answer line is longer (a reason is a path and an errno text). */
const MAX_LINE = 8192;

export interface LaunchRequest {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
}

/** One answer of the launcher, or `undefined` for a line that is none (ignored, never trusted). */
export type Answer =
  | { kind: 'ready' }
  | { kind: 'started'; tag: string; pid: number }
  | { kind: 'failed'; tag: string; reason: string }
  | { kind: 'exited'; pid: number; status: number };

const PID = /^[1-9]\d{0,9}$/;
const TAG = /^[A-Za-z0-9_-]{1,64}$/;

export function parseAnswer(line: string): Answer | undefined {
  const fields = line.split('\t');
  const [kind, a, b] = fields;
  if (kind === 'ready' && fields.length === 1) return { kind };
  if (fields.length !== 3 || a === undefined || b === undefined) return undefined;
  if (kind === 'started' && TAG.test(a) && PID.test(b)) return { kind, tag: a, pid: Number(b) };
  if (kind === 'failed' && TAG.test(a)) return { kind, tag: a, reason: b.slice(0, 512) };
  if (kind === 'exited' && PID.test(a) && /^\d{1,3}$/.test(b))
    return { kind, pid: Number(a), status: Number(b) };
  return undefined;
}

/** The bytes of a launch request (see assets/launcher.pl); NUL ends each field. */
export function encodeLaunch(tag: string, request: LaunchRequest): Buffer {
  if (!TAG.test(tag)) throw new Error(`bad launch tag ${tag}`);
  const env = Object.entries(request.env).map(([k, v]) => `${k}=${v}`);
  const fields = [
    'launch',
    tag,
    request.cwd,
    String(env.length),
    ...env,
    String(request.argv.length),
    ...request.argv,
  ];
  for (const field of fields) {
    // Never truncated on the way: a NUL would split a field, so it is refused here (execve could
    // not pass it either).
    if (field.includes('\0')) {
      throw new CloisonError('APP_NOT_FOUND', 'A command or its environment contains a NUL byte.');
    }
  }
  if (request.argv.length === 0 || !request.argv[0]) {
    throw new CloisonError('APP_NOT_FOUND', 'The command is empty.');
  }
  return Buffer.from(fields.map((f) => `${f}\0`).join(''));
}

export function encodeSignal(pid: number, signal: number): Buffer {
  return Buffer.from(`signal\0${pid}\0${signal}\0`);
}

export interface LaunchedApp {
  /** Its pid inside the level's PID namespace (the launcher's handle on it). */
  pid: number;
  /** Its pid on the host, when found (for `ps` and the audit). */
  hostPid: number | undefined;
  /** Resolves with its exit status (128 + signal when killed) once its first process ends. */
  exited: Promise<number>;
}

export class Launcher {
  private buffer = '';
  private readonly waiting = new Map<
    string,
    {
      resolve: (started: { pid: number; exited: Promise<number> }) => void;
      reject: (e: Error) => void;
    }
  >();
  /** Running apps by pid in the level; the launcher tells an app's exit only after its start. */
  private readonly exits = new Map<number, (status: number) => void>();
  private ready: (() => void) | undefined;
  private ended = false;
  private serial = 0;

  private constructor(
    readonly sandbox: Sandbox,
    private readonly onGone: (status: number) => void,
  ) {
    sandbox.exited.then(
      (status) => this.gone(status),
      () => this.gone(127),
    );
  }

  /**
   * Starts a level's compartment with the launcher in it, and resolves once it can take launches.
   * `request` is the compartment (mounts, network, environment); its argv is the launcher's.
   */
  static async start(
    request: Omit<SandboxRequest, 'argv' | 'stdin' | 'stdout'>,
    onGone: (status: number) => void,
  ): Promise<Launcher> {
    await access(PERL, constants.X_OK).catch(() => {
      throw new CloisonError(
        'COMPARTMENT_UNAVAILABLE',
        `The level's launcher needs ${PERL}, which is missing or not executable: install "perl-base".`,
      );
    });
    const script = await readFile(assetFile('launcher.pl'));
    const prctl = PRCTL[process.arch] ?? 0;
    const sandbox = await startSandbox({
      ...request,
      argv: [PERL, SCRIPT, String(prctl)],
      mounts: [...request.mounts, { kind: 'data', data: script, dest: SCRIPT }],
      stdin: 'pipe',
      stdout: 'pipe',
      asPid1: true,
    }).catch((err: unknown) => {
      throw err instanceof CloisonError &&
        /\/usr\/bin\/perl/.test(err.message) &&
        /No such file/.test(err.message)
        ? new CloisonError('COMPARTMENT_UNAVAILABLE', `${PERL} is missing: install "perl-base".`)
        : err;
    });
    const launcher = new Launcher(sandbox, onGone);
    await launcher.started();
    return launcher;
  }

  private started(): Promise<void> {
    const stdout = this.sandbox.process.stdout!;
    stdout.setEncoding('utf8');
    stdout.on('data', (chunk: string) => this.read(chunk));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        void killSandbox(this.sandbox);
        reject(new CloisonError('COMPARTMENT_FAILED', 'The level’s launcher did not start.'));
      }, ANSWER_MS);
      this.ready = () => {
        clearTimeout(timer);
        resolve();
      };
      void this.sandbox.exited.then((status) => {
        clearTimeout(timer);
        reject(
          new CloisonError(
            'COMPARTMENT_FAILED',
            `The level’s launcher ended as it started (status ${status}).`,
          ),
        );
      });
    });
  }

  get running(): boolean {
    return !this.ended;
  }

  /** Starts an app inside the level's compartment; APP_NOT_FOUND when its exec fails. */
  async launch(request: LaunchRequest): Promise<LaunchedApp> {
    if (this.ended) {
      throw new CloisonError('COMPARTMENT_FAILED', 'The level’s compartment has ended.');
    }
    const tag = `l${++this.serial}`;
    const bytes = encodeLaunch(tag, request);
    const { pid, exited } = await new Promise<{ pid: number; exited: Promise<number> }>(
      (resolve, reject) => {
        const timer = setTimeout(() => {
          this.waiting.delete(tag);
          reject(
            new CloisonError(
              'COMPARTMENT_FAILED',
              'The level’s launcher did not answer (stopped or hung by an app of the level?).',
            ),
          );
        }, ANSWER_MS);
        this.waiting.set(tag, {
          resolve: (p) => {
            clearTimeout(timer);
            resolve(p);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        this.sandbox.process.stdin!.write(bytes);
      },
    );
    return { pid, hostPid: await this.hostPid(pid), exited };
  }

  /** Sends `signal` to an app's process group (the launcher ignores pids it did not start). */
  signal(pid: number, signal: number): void {
    if (!this.ended) this.sandbox.process.stdin!.write(encodeSignal(pid, signal));
  }

  /** Ends the compartment: every app of the level with it. */
  async stop(): Promise<void> {
    await killSandbox(this.sandbox);
  }

  private read(chunk: string): void {
    this.buffer += chunk;
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + 1);
      this.answer(parseAnswer(line));
    }
    // A flood without newlines is not an answer: dropped, never buffered without bound.
    if (this.buffer.length > MAX_LINE) this.buffer = '';
  }

  private answer(answer: Answer | undefined): void {
    if (!answer) return;
    if (answer.kind === 'ready') {
      this.ready?.();
      this.ready = undefined;
      return;
    }
    if (answer.kind === 'exited') {
      const exit = this.exits.get(answer.pid);
      this.exits.delete(answer.pid);
      exit?.(answer.status);
      return;
    }
    const waiter = this.waiting.get(answer.tag);
    if (!waiter) return;
    this.waiting.delete(answer.tag);
    if (answer.kind === 'started') {
      // Registered now, in the same turn as the answer: an exit on the next line is not missed.
      const pid = answer.pid;
      const exited = new Promise<number>((resolve) => this.exits.set(pid, resolve));
      waiter.resolve({ pid, exited });
    } else waiter.reject(new CloisonError('APP_NOT_FOUND', `Cannot start ${answer.reason}.`));
  }

  private gone(status: number): void {
    if (this.ended) return;
    this.ended = true;
    for (const waiter of this.waiting.values())
      waiter.reject(new CloisonError('COMPARTMENT_FAILED', 'The level’s compartment ended.'));
    this.waiting.clear();
    // Every app of the level ended with its compartment (the kernel kills a PID namespace whose
    // init is gone).
    for (const exit of this.exits.values()) exit(128 + 9);
    this.exits.clear();
    this.onGone(status);
  }

  /**
   * The host pid of the launcher's child `pid` (its pid inside the level): the one among the
   * launcher's children whose innermost NSpid is `pid`. Undefined if it ended meanwhile.
   */
  private async hostPid(pid: number): Promise<number | undefined> {
    const launcher = await this.launcherHostPid();
    if (launcher === undefined) return undefined;
    const children = await readFile(`/proc/${launcher}/task/${launcher}/children`, 'utf8').catch(
      () => '',
    );
    for (const child of children.split(' ').filter(Boolean)) {
      const status = await readFile(`/proc/${child}/status`, 'utf8').catch(() => '');
      const nspid = /^NSpid:\s*(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/);
      if (nspid && Number(nspid[nspid.length - 1]) === pid) return Number(child);
    }
    return undefined;
  }

  /** The launcher on the host: the sandbox's first process (its PID 1, see `asPid1`). */
  private launcherHostPid(): Promise<number | undefined> {
    return Promise.resolve(this.sandbox.childPid);
  }
}
