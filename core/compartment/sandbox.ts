// The bubblewrap command line of one sandbox, decided from data: what the sandbox sees and what it
// shares. Pure (no I/O), so every choice is table-tested; `spawn.ts` runs it. Trust boundary: this
// is the wall between a level's apps and the rest of the machine.

/** A host folder or file handed to bubblewrap as an open file descriptor (see `spawn.ts`). */
export interface FdMount {
  /** File descriptor number in the bwrap process (3 and up; spawn.ts assigns them). */
  fd: number;
  dest: string;
  mode: 'ro' | 'rw' | 'data';
}

export interface SandboxSpec {
  /** What runs, as is: never through a shell. */
  argv: string[];
  /** The host's system layout (from `systemLayout`): read-only folders and top-level symlinks. */
  system: SystemLayout;
  /**
   * Mounts of host things, passed as descriptors the daemon opened without following links, so a
   * link an app planted in their place is never what gets bound. (bubblewrap still resolves the
   * descriptor's path, so the sandbox's account must be able to pass through its folders.)
   */
  mounts: FdMount[];
  /** Host folders hidden behind an empty tmpfs (e.g. /etc/cloison: other levels' names). */
  masked: string[];
  /** `none`: an empty network namespace (only `lo`); `host`: the host's network. */
  network: 'none' | 'host';
  hostname: string;
  /** The whole environment: nothing else of the caller's crosses. */
  env: Record<string, string>;
  /** Working directory inside the sandbox. */
  cwd: string;
  /** Descriptor on which bubblewrap writes `{"child-pid": N}` once the sandbox runs. */
  infoFd?: number;
  /**
   * The command is the sandbox's PID 1, with no bubblewrap init beside it: the kernel then ignores
   * the signals the sandbox's own processes send it (SIGKILL and SIGSTOP included), and no other
   * process inside holds its descriptors. For a level's launcher, which reaps what it starts.
   */
  asPid1?: boolean;
  /**
   * Size of each writable place (/tmp, /run, /dev/shm: memory, which no rlimit counts); else the
   * default, unbounded. Throw-away compartments set it.
   */
  tmpBytes?: number;
  /** Size of /run and /dev/shm when they need less than /tmp (a renderer's pages go to /tmp only). */
  runBytes?: number;
  /** The root and /dev read-only at the end, so that only the bounded places are writable. */
  readOnlyRoot?: boolean;
}

export interface SystemLayout {
  /** Read-only system folders that exist on the host, e.g. /usr, /etc, /opt. */
  folders: string[];
  /** Top-level links of a merged-/usr system, e.g. /bin -> usr/bin. */
  links: { path: string; target: string }[];
}

/**
 * The options of bwrap, for `--args FD` (so that the sandbox's /proc/1/cmdline shows none of
 * them); the command (`spec.argv`) follows `--` on bwrap's own command line. Order matters to bubblewrap: mounts are applied in the order given, so the tmpfs over
 * /tmp comes before what is mounted into /tmp.
 */
export function sandboxArgs(spec: SandboxSpec): string[] {
  const args: string[] = [
    // Every namespace of its own: user, PID (fresh /proc, nothing outside visible), IPC, UTS
    // (its own hostname), cgroup, and network unless the level shares the host's.
    '--unshare-all',
    ...(spec.network === 'host' ? ['--share-net'] : []),
    // New session: the sandbox has no controlling terminal, so TIOCSTI cannot push keystrokes into
    // the caller's.
    '--new-session',
    // Killed with the daemon: a compartment never outlives its broker.
    '--die-with-parent',
    '--cap-drop',
    'ALL',
    '--hostname',
    spec.hostname,
    '--clearenv',
  ];
  for (const folder of spec.system.folders) args.push('--ro-bind', folder, folder);
  for (const link of spec.system.links) args.push('--symlink', link.target, link.path);
  for (const masked of spec.masked) args.push('--tmpfs', masked);
  args.push('--proc', '/proc', '--dev', '/dev');
  // Bounded when asked: what a sandbox writes there is memory, which no rlimit counts.
  const size = spec.tmpBytes !== undefined ? ['--size', String(spec.tmpBytes)] : [];
  const runSize =
    spec.tmpBytes !== undefined ? ['--size', String(spec.runBytes ?? spec.tmpBytes)] : [];
  args.push(...size, '--tmpfs', '/tmp', ...runSize, '--tmpfs', '/run');
  if (spec.tmpBytes !== undefined) args.push(...runSize, '--tmpfs', '/dev/shm');
  for (const m of spec.mounts) {
    const flag =
      m.mode === 'ro' ? '--ro-bind-fd' : m.mode === 'rw' ? '--bind-fd' : '--ro-bind-data';
    args.push(flag, String(m.fd), m.dest);
  }
  for (const [key, value] of Object.entries(spec.env)) args.push('--setenv', key, value);
  // Last, once everything is mounted: nothing but the bounded places above stays writable.
  if (spec.readOnlyRoot) args.push('--remount-ro', '/', '--remount-ro', '/dev');
  args.push('--chdir', spec.cwd);
  if (spec.asPid1) args.push('--as-pid-1');
  if (spec.infoFd !== undefined) args.push('--info-fd', String(spec.infoFd));
  return args;
}

/** Host system folders a sandbox sees read-only, when they exist (never /home, /root, /var, /run). */
export const SYSTEM_FOLDERS = ['/usr', '/etc', '/opt', '/bin', '/sbin', '/lib', '/lib32', '/lib64'];

/**
 * The environment a sandboxed app gets: an allowlist of the daemon's (locale, terminal type), then
 * what the compartment sets (HOME, DISPLAY, …). Nothing else of the host's crosses: no D-Bus
 * address, no SSH agent, no tokens.
 */
export const ENV_ALLOWLIST = [
  'LANG',
  'LANGUAGE',
  'LC_ALL',
  'LC_CTYPE',
  'LC_MESSAGES',
  'TZ',
  'TERM',
];

export function sandboxEnv(
  from: NodeJS.ProcessEnv,
  own: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ENV_ALLOWLIST) {
    const value = from[key];
    if (value !== undefined && !value.includes('\0')) env[key] = value;
  }
  return { PATH: '/usr/local/bin:/usr/bin:/bin', ...env, ...own };
}
