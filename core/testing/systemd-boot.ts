// Test harness, not shipped: the machine's real systemd booted as PID 1 of a namespace of its own
// (boot-systemd.sh), commands run inside it with nsenter, and a teardown that leaves nothing behind:
// no process, no cgroup, no mount, nothing written to the host's /etc, /usr or /var.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { readdirSync, rmSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { root } from './daemon.js';

const systemdBinary = '/lib/systemd/systemd';
const cgroupRoot = '/sys/fs/cgroup';
/** The hierarchies systemd tracks its units in; on a v1-only or v2-only host, whichever exist. */
const trackingHierarchies = ['systemd', 'unified'];

/** Why systemd cannot be booted here, or undefined when it can be tried. */
export function cannotBoot(): string | undefined {
  if (process.getuid?.() !== 0) return 'booting systemd in a namespace needs root';
  if (!existsSync(systemdBinary)) return `no systemd at ${systemdBinary}`;
  for (const tool of ['/usr/bin/unshare', '/usr/bin/nsenter'])
    if (!existsSync(tool)) return `no ${tool} (util-linux)`;
  if (!existsSync(join(cgroupRoot, 'systemd', 'cgroup.procs')))
    return `no name=systemd cgroup hierarchy at ${cgroupRoot}/systemd (a cgroup v2-only host: not tried here)`;
  try {
    accessSync(join(cgroupRoot, 'systemd'), constants.W_OK);
  } catch {
    return `${cgroupRoot}/systemd is not writable`;
  }
  return undefined;
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * This process's cgroup in a v1 controller (the memory one, if any): systemd mirrors the path it
 * runs at into every controller, so booting it at a path below this one keeps whatever it starts
 * inside the limits the host put on us.
 */
function ownCgroupPath(): string {
  const lines = readFileSync('/proc/self/cgroup', 'utf8').split('\n');
  const memory = lines.find((l) => /^\d+:memory:/.test(l));
  return memory ? memory.replace(/^\d+:memory:/, '') : '/';
}

/** Removes a cgroup tree bottom-up (a cgroup folder goes with rmdir once it has no process). */
function removeCgroupTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true }))
    if (entry.isDirectory()) removeCgroupTree(join(dir, entry.name));
  rmdirSync(dir);
}

/** The empty cgroups of a boot whose test process was killed outright (its pid is in the name). */
function sweepStale(parent: string): void {
  if (!existsSync(parent)) return;
  for (const entry of readdirSync(parent)) {
    const owner = /^cloison-boot-(\d+)-/.exec(entry)?.[1];
    if (!owner || existsSync(`/proc/${owner}`)) continue;
    try {
      removeCgroupTree(join(parent, entry));
    } catch {
      // Something still runs in it: left for its owner.
    }
  }
}

export class BootedSystemd {
  private constructor(
    readonly folder: string,
    private readonly child: ChildProcess,
    private readonly cgroups: string[],
    private readonly exited: Promise<void>,
  ) {}

  /** Boots systemd into cloison-test.target and waits until it runs (or fails: the console says why). */
  static async boot(): Promise<BootedSystemd> {
    const folder = mkdtempSync(join(tmpdir(), 'cloison-boot-'));
    const work = join(folder, 'root');
    mkdirSync(work);
    writeFileSync(join(folder, 'console'), '');
    const path = `${ownCgroupPath().replace(/\/$/, '')}/cloison-boot-${process.pid}-${Date.now()}`;
    const cgroups = trackingHierarchies
      .map((h) => join(cgroupRoot, h))
      .filter((h) => existsSync(join(h, 'cgroup.procs')))
      .map((h) => join(h, path));
    for (const dir of cgroups) {
      sweepStale(dirname(dir));
      mkdirSync(dir, { recursive: true });
    }
    // The shell moves itself into the new cgroups, then becomes unshare: systemd finds itself there.
    const moveSelf = cgroups.map((c) => `echo $$ > ${c}/cgroup.procs`).join(' && ');
    const child = spawn(
      'sh',
      [
        '-c',
        // If this process dies, unshare gets SIGKILL (pdeathsig), and systemd with it (--kill-child):
        // PID 1 of a PID namespace takes every process of the namespace along.
        `${moveSelf} && exec setpriv --pdeathsig KILL unshare --kill-child=KILL --pid --fork --mount --uts --ipc --mount-proc "$0" "$1" "$2" "$3"`,
        join(root, 'core/testing/boot-systemd.sh'),
        work,
        join(folder, 'console'),
        root,
      ],
      // A session of its own: no signal to the test's process group reaches it.
      { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
    );
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const booted = new BootedSystemd(folder, child, cgroups, exited);
    for (let i = 0; i < 600; i++) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`systemd did not boot: ${stderr}${booted.console()}`);
      const state = booted.initPid() ? booted.run(['systemctl', 'is-system-running']) : undefined;
      if (state && /^(running|degraded)$/m.test(state.stdout)) return booted;
      await new Promise((r) => setTimeout(r, 100));
    }
    await booted.shutdown();
    throw new Error(`systemd did not come up: ${booted.console()}`);
  }

  /** What systemd said on its console (a file of the host's bound over /dev/console). */
  console(): string {
    return readFileSync(join(this.folder, 'console'), 'utf8');
  }

  /** The namespace's PID 1, as the host sees it: unshare's only child. */
  initPid(): number | undefined {
    const pid = this.child.pid;
    if (!pid) return undefined;
    try {
      const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
      return children ? Number(children.split(' ')[0]) : undefined;
    } catch {
      return undefined;
    }
  }

  /** A command inside the namespace, as root there (its mounts, its PID namespace, its systemd). */
  run(argv: string[], options: { input?: string } = {}): Run {
    const pid = this.initPid();
    if (!pid) throw new Error('systemd is not running');
    const result = spawnSync(
      'nsenter',
      ['-t', String(pid), '-m', '-p', '-u', '-i', '--wd=/', '--', ...argv],
      { encoding: 'utf8', input: options.input, timeout: 120_000 },
    );
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  /** A shell command inside, failing with its output when it fails. */
  sh(script: string): string {
    const result = this.run(['sh', '-ec', script]);
    if (result.code !== 0)
      throw new Error(`inside: ${script}\nexit ${result.code}\n${result.stdout}${result.stderr}`);
    return result.stdout;
  }

  /** The cgroup folders systemd was booted in, with what is left in them (for the teardown check). */
  leftovers(): { cgroups: string[]; processes: number } {
    const cgroups = this.cgroups.filter((c) => existsSync(c));
    let processes = 0;
    const count = (dir: string) => {
      processes += readFileSync(join(dir, 'cgroup.procs'), 'utf8')
        .split('\n')
        .filter(Boolean).length;
      for (const e of readdirSync(dir, { withFileTypes: true }))
        if (e.isDirectory()) count(join(dir, e.name));
    };
    for (const c of cgroups) count(c);
    return { cgroups, processes };
  }

  /**
   * Powers the namespace's systemd off (it stops every unit, then exits), SIGKILLs its PID 1 if it
   * has not gone (which ends every process of the namespace), and removes its cgroups and folder.
   */
  async shutdown(): Promise<{ clean: boolean }> {
    let clean = false;
    if (this.child.exitCode === null && this.child.signalCode === null) {
      if (this.initPid()) this.run(['systemctl', '--no-block', 'poweroff']);
      clean = await Promise.race([
        this.exited.then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), 60_000)),
      ]);
      if (!clean) {
        const pid = this.initPid();
        if (pid) process.kill(pid, 'SIGKILL');
        await this.exited;
      }
    } else clean = true;
    for (const c of this.cgroups) removeCgroupTree(c);
    // The tmpfs went with the mount namespace: only the empty mount point and the console are left.
    if (existsSync(this.folder) && statSync(this.folder).isDirectory())
      rmSync(this.folder, { recursive: true, force: true });
    return { clean };
  }
}
