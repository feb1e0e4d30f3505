// The daemon's API, written once: for each method, the socket (role) that serves it, its params and
// its result. The daemon validates params against it, the CLI and the shell derive their types from
// it; nothing re-declares these shapes by hand.
import { z } from 'zod';
import { Action, Id, MimeType, TransferKind, WebPermission } from './config.js';

/** The socket a connection came in on: who may open it is decided by its file permissions. */
export const SocketRole = z.enum(['user', 'admin']);
export type SocketRole = z.infer<typeof SocketRole>;
/**
 * What a session may do: its socket's role, plus the role of the account it logged in as (an
 * administrator or an auditor opening their session from the shell, on the user socket).
 */
export const Role = z.enum(['user', 'admin', 'auditor']);
export type Role = z.infer<typeof Role>;

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const Timestamp = z.iso.datetime();

/** A name as the user gave it: relative to the source level's home, never absolute. */
const RelativePath = z.string().min(1).max(4096);

export const LevelInfo = z.object({
  id: Id,
  label: z.string(),
  colour: z.string(),
  rank: z.int(),
  network: z.enum(['none', 'host']),
  ephemeral: z.boolean(),
  apps: z.array(
    z.object({
      id: Id,
      label: z.string(),
      type: z.enum(['web', 'native']),
      /** Web apps: where they open, and the origins they may navigate to (the URL's is implied). */
      url: z.string().optional(),
      origins: z.array(z.string()).optional(),
    }),
  ),
  /** What the level's web apps may be granted (Electron shell); absent: nothing. */
  webPermissions: z.array(WebPermission).optional(),
});
export type LevelInfo = z.infer<typeof LevelInfo>;

/** One clipboard item: a MIME type and the bytes, base64-encoded. */
export const ClipboardItem = z.strictObject({
  type: z.string().min(1).max(255),
  data: z.base64(),
});
export type ClipboardItem = z.infer<typeof ClipboardItem>;

export const Decision = z.object({
  action: Action,
  /** The id of the rule that decided, or `default-deny` when none matched. */
  ruleId: z.string(),
  reason: z.string(),
});
export type Decision = z.infer<typeof Decision>;

/** What the broker found out about one item (clipboard item or file) of a transfer. */
export const ItemReport = z.object({
  /** File: the path relative to the source home. Clipboard: absent. */
  name: z.string().optional(),
  declaredType: z.string().optional(),
  /** The type detected from the bytes: the one the rules were applied to. */
  type: z.string(),
  size: z.int().nonnegative(),
  sha256: Sha256,
  /** Why the declared type or the name's extension disagrees with the bytes, if it does. */
  typeMismatch: z.string().optional(),
  decision: Decision,
  sanitised: z
    .object({ sanitiser: z.string(), type: z.string(), size: z.int(), sha256: Sha256 })
    .optional(),
  /** File: where it landed, relative to the target home. */
  deliveredAs: z.string().optional(),
  /** File: set when the delivered name differs from the source name, and why. */
  renamed: z.string().optional(),
  /** File under a rule with quarantine: where its original was kept, relative to the source home. */
  quarantinedAs: z.string().optional(),
});
export type ItemReport = z.infer<typeof ItemReport>;

/** One file as `files.preview` sees it: from its head and size, without reading it all. */
export const PreviewItem = z.object({
  name: z.string(),
  type: z.string(),
  size: z.int().nonnegative(),
  typeMismatch: z.string().optional(),
  /** False for a text file larger than the head read: the send checks the rest is text too. */
  checkedWhole: z.literal(false).optional(),
  decision: Decision,
});
export type PreviewItem = z.infer<typeof PreviewItem>;

export const TransferStatus = z.enum([
  'delivered',
  'waiting-for-user',
  'waiting-for-approval',
  'cancelled',
  'rejected',
  'expired',
  'failed',
]);
export type TransferStatus = z.infer<typeof TransferStatus>;

export const Transfer = z.object({
  id: z.string(),
  kind: TransferKind,
  from: Id,
  to: Id,
  status: TransferStatus,
  requester: z.string(),
  justification: z.string().optional(),
  createdAt: Timestamp,
  expiresAt: Timestamp.optional(),
  /** The decisive action: the strictest of the items' decisions. */
  decision: Decision,
  items: z.array(ItemReport),
  /** Clipboard transfers once delivered: what the target level may receive. */
  clipboard: z.array(ClipboardItem).optional(),
  /** Why it ended as it did (rejection reason, failure). */
  outcome: z.string().optional(),
});
export type Transfer = z.infer<typeof Transfer>;

export const AuditEntry = z
  .object({
    seq: z.int().positive(),
    time: Timestamp,
    actor: z.string(),
    event: z.string(),
    prev: Sha256,
    hash: Sha256,
  })
  .catchall(z.unknown());
export type AuditEntry = z.infer<typeof AuditEntry>;

export const VerifyReport = z.object({
  ok: z.boolean(),
  entries: z.int().nonnegative(),
  segments: z.int().nonnegative(),
  /** The first entry that breaks the chain, and how. */
  firstBad: z
    .object({
      segment: z.string(),
      line: z.int().positive(),
      seq: z.int().optional(),
      problem: z.string(),
    })
    .optional(),
});
export type VerifyReport = z.infer<typeof VerifyReport>;

/** One launch of an app in its level's compartment. */
export const AppProcess = z.object({
  id: z.string(),
  level: Id,
  /** The configured app; absent for an administrator's `cloison run`. */
  app: Id.optional(),
  argv: z.array(z.string()),
  /** The app's first process as the host sees it (absent when it ended before it was found). */
  pid: z.int().optional(),
  /** The same process inside its level's compartment (PID namespace). */
  pidInLevel: z.int(),
  state: z.enum(['running', 'exited', 'stopped']),
  startedAt: Timestamp,
  endedAt: Timestamp.optional(),
  exitCode: z.int().optional(),
  launchedBy: z.string(),
});
export type AppProcess = z.infer<typeof AppProcess>;

export const LevelState = z.object({
  level: Id,
  running: z.boolean(),
  startedAt: Timestamp.optional(),
  /** The level's remote display (VNC over a Unix socket), for the shell. */
  display: z.object({ vncSocket: z.string(), width: z.int(), height: z.int() }).optional(),
  apps: z.array(AppProcess),
});
export type LevelState = z.infer<typeof LevelState>;

/** An autostart app the kiosk gave up on after repeated crashes: its workspace shows an error page. */
export const KioskFailure = z.object({
  level: Id,
  app: Id,
  crashes: z.int(),
  since: Timestamp,
  message: z.string(),
});
export type KioskFailure = z.infer<typeof KioskFailure>;

/** What the shell shows of kiosk mode; the daemon enforces it whatever the shell shows. */
export const KioskStatus = z.object({
  enabled: z.boolean(),
  /** The offered levels (all when not a kiosk), the start level, and per level what the user may launch. */
  levels: z.array(Id),
  startLevel: Id.optional(),
  launchable: z.record(z.string(), z.array(Id)),
  idleSeconds: z.int(),
  failures: z.array(KioskFailure),
});
export type KioskStatus = z.infer<typeof KioskStatus>;

const LevelRef = z.strictObject({ level: Id });
/** An argv as given: run as is, never through a shell; no NUL (it would cut the argument). */
const Argv = z
  .array(
    z
      .string()
      .min(1)
      .max(4096)
      .refine((a) => !a.includes('\0'), 'no NUL character'),
  )
  .min(1)
  .max(256);

const Empty = z.strictObject({});
const TransferRef = z.strictObject({ id: z.string().min(1).max(64) });
const Justification = z.string().max(1000).optional();

/**
 * Who a session says it is, as the audit log records it. Refused when its spelling could hide who
 * it is: padding, control or invisible format characters (a bidi override, a zero-width space).
 * The broker also compares actors in a normal form, so "BOB" is bob (core/broker/actors.ts).
 */
const Actor = z
  .string()
  .min(1, 'an actor name has 1 to 64 characters')
  .max(64, 'an actor name has 1 to 64 characters')
  .refine((s) => s.trim() === s, 'an actor name may not begin or end with whitespace')
  .refine(
    (s) => !/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(s),
    'an actor name may not contain control, format or line-separator characters (Unicode Cc, Cf, Zl, Zp)',
  )
  // The daemon writes `alice [admin] (user-7)` for a login's actions: a name that brings its own
  // brackets could pass for one in the audit log (compared in NFKC, so full-width ones too).
  .refine(
    (s) => !/[[\]()]/u.test(s.normalize('NFKC')),
    'an actor name may not contain brackets or parentheses (the audit log uses them for logins and sessions)',
  );

interface MethodOptions {
  /**
   * Served on the admin socket only, never to a session that logged in from the shell: running
   * commands inside a level reads users' data, which a shell administrator may not.
   */
  adminSocketOnly?: boolean;
}

function method<P extends z.ZodType, R extends z.ZodType>(
  roles: Role[],
  params: P,
  result: R,
  options: MethodOptions = {},
) {
  return { roles, params, result, adminSocketOnly: options.adminSocketOnly ?? false };
}

const Login = z.object({
  account: z.string(),
  role: z.enum(['admin', 'auditor']),
  openedAt: Timestamp,
  /** The session closes after this many minutes without an administration call. */
  idleMinutes: z.number(),
});

/** One mistake in a configuration text, where an editor can show it (see core/config/problems). */
export const ConfigProblem = z.object({
  file: z.string(),
  line: z.int(),
  column: z.int(),
  path: z.string(),
  value: z.string().optional(),
  message: z.string(),
});

export const DiffLine = z.object({ op: z.enum([' ', '-', '+']), text: z.string() });

export const ConfigVersionInfo = z.object({
  version: z.int(),
  time: Timestamp,
  actor: z.string(),
  reason: z.string(),
  textSha256: Sha256,
  digest: Sha256,
  rulesDigest: Sha256,
});

/** A main configuration file's whole text, as an administrator edits it (1 MiB at most). */
const ConfigText = z.string().max(1024 * 1024);
const Reason = z
  .string()
  .trim()
  .min(3, 'a reason of at least 3 characters')
  .max(1000)
  .refine((s) => !/[\p{Cc}\p{Cf}]/u.test(s.replaceAll('\n', '')), 'no control characters');

const TransferQuestion = z.strictObject({
  kind: TransferKind,
  from: Id,
  to: Id,
  type: MimeType,
  size: z.int().nonnegative(),
});

const Applied = z.object({
  version: ConfigVersionInfo,
  previousDigest: Sha256,
  previousRulesDigest: Sha256,
  warnings: z.array(z.string()),
});

export const methods = {
  'session.hello': method(
    ['user', 'admin'],
    z.strictObject({ actor: Actor, client: z.string().max(64).optional() }),
    z.object({ session: z.string(), role: SocketRole }),
  ),
  'session.login': method(
    ['user', 'admin'],
    z.strictObject({
      account: z.string().min(1).max(64),
      passphrase: z.string().min(1).max(1024),
    }),
    Login,
  ),
  'session.logout': method(['user', 'admin'], Empty, z.object({ closed: z.boolean() })),
  'session.whoami': method(
    ['user', 'admin'],
    Empty,
    z.object({
      session: z.string(),
      socket: SocketRole,
      actor: z.string(),
      /** The connected process and its account, as the kernel says (absent: it could not say). */
      peer: z.object({ pid: z.int(), uid: z.int(), gid: z.int() }).optional(),
      login: Login.optional(),
    }),
  ),
  'daemon.status': method(
    ['user', 'admin'],
    Empty,
    z.object({
      version: z.string(),
      pid: z.int(),
      stateDir: z.string(),
      config: z.object({ digest: Sha256, loadedAt: Timestamp, source: z.string() }),
      audit: z.object({ available: z.boolean(), reason: z.string().optional(), lastSeq: z.int() }),
    }),
  ),
  'levels.list': method(['user', 'admin'], Empty, z.object({ levels: z.array(LevelInfo) })),
  'clipboard.send': method(
    ['user'],
    z.strictObject({
      from: Id,
      to: Id,
      /** The content; absent: the broker reads the source level's clipboard from its display. */
      items: z.array(ClipboardItem).min(1).max(16).optional(),
      justification: Justification,
    }),
    Transfer,
  ),
  'files.send': method(
    ['user'],
    z.strictObject({
      from: Id,
      to: Id,
      paths: z.array(RelativePath).min(1).max(10_000),
      /** Delete the sources once the delivery is durable. */
      move: z.boolean().default(false),
      justification: Justification,
    }),
    Transfer,
  ),
  /**
   * What `files.send` would decide for these files, from their real types (the bytes of their
   * heads) and sizes: nothing is sent, held or audited, and no file is read whole. The shell's
   * preview.
   */
  'files.preview': method(
    ['user'],
    z.strictObject({ from: Id, to: Id, paths: z.array(RelativePath).min(1).max(10_000) }),
    z.object({ decision: Decision, items: z.array(PreviewItem) }),
  ),
  /** Qubes-style copy: reads the source level's clipboard into the broker's buffer (one per session). */
  'clipboard.capture': method(
    ['user'],
    z.strictObject({ from: Id }),
    z.object({
      from: Id,
      items: z.array(z.object({ type: z.string(), size: z.int().nonnegative() })),
      capturedAt: Timestamp,
    }),
  ),
  /** Qubes-style paste: sends what was captured to the target level; the buffer is emptied. */
  'clipboard.paste': method(
    ['user'],
    z.strictObject({ to: Id, justification: Justification }),
    Transfer,
  ),
  /** One folder of a level's home, for the shell's own file browser (never a native dialog). */
  'files.list': method(
    ['user'],
    z.strictObject({ level: Id, path: z.string().max(4096).default('') }),
    z.object({
      level: Id,
      /** The folder listed, relative to the home, normalised ('' for the home itself). */
      path: z.string(),
      entries: z.array(
        z.object({
          name: z.string(),
          kind: z.enum(['file', 'folder', 'other']),
          size: z.int().nonnegative(),
        }),
      ),
      /** Names that are not UTF-8 and cannot be sent; shown so nothing is hidden. */
      unnamable: z.int().nonnegative(),
    }),
  ),
  'levels.start': method(['user', 'admin'], LevelRef, LevelState),
  'levels.stop': method(['user', 'admin'], LevelRef, LevelState),
  'levels.status': method(
    ['user', 'admin'],
    z.strictObject({ level: Id.optional() }),
    z.object({ levels: z.array(LevelState) }),
  ),
  /** The level's log holds its apps' output: the user's, not the administrator's, to read. */
  'levels.log': method(
    ['user'],
    z.strictObject({ level: Id, count: z.int().min(1).max(100_000).default(100) }),
    z.object({
      lines: z.array(z.object({ time: Timestamp, source: z.string(), text: z.string() })),
      /** Whether the level runs; a stopped level's lines are those of its last run. */
      running: z.boolean(),
    }),
  ),
  'apps.launch': method(['user'], z.strictObject({ level: Id, app: Id }), AppProcess),
  'kiosk.status': method(['user', 'admin'], Empty, KioskStatus),
  /** The shell saw the person at the keyboard (keys, pointer): the daemon's idle clock restarts. */
  'kiosk.activity': method(['user'], Empty, z.object({ idleSeconds: z.int() })),
  'apps.stop': method(
    ['user', 'admin'],
    z.strictObject({ level: Id, id: z.string().min(1).max(64) }),
    AppProcess,
  ),
  /** Any command in a level's compartment: administrators only (`cloison run`). */
  'compartments.run': method(['admin'], z.strictObject({ level: Id, argv: Argv }), AppProcess, {
    adminSocketOnly: true,
  }),
  'transfers.list': method(['user'], Empty, z.object({ transfers: z.array(Transfer) })),
  'transfers.get': method(['user'], TransferRef, Transfer),
  'transfers.confirm': method(['user'], TransferRef, Transfer),
  'transfers.cancel': method(['user'], TransferRef, Transfer),
  'events.subscribe': method(['user', 'admin'], Empty, z.object({ subscribed: z.literal(true) })),
  'policy.explain': method(
    ['user', 'admin'],
    z.strictObject({
      kind: TransferKind,
      from: Id,
      to: Id,
      type: MimeType,
      size: z.int().nonnegative(),
    }),
    z.object({
      decision: Decision,
      rule: z.record(z.string(), z.unknown()).optional(),
      /** The decision explained line by line, with the rules before it that did not match. */
      explanation: z.string(),
    }),
  ),
  'config.reload': method(
    ['admin'],
    Empty,
    z.object({ digest: Sha256, levels: z.int(), rules: z.int(), warnings: z.array(z.string()) }),
  ),
  'config.show': method(
    ['admin', 'auditor'],
    Empty,
    z.object({
      /** The main file the daemon reads, and whether an administrator may apply a new text to it. */
      file: z.string(),
      editable: z.boolean(),
      /** Its text (passphrase hashes hidden from auditors). */
      text: z.string(),
      digest: Sha256,
      rulesDigest: Sha256,
      /** Drop-in rule files, read-only here: they are another tool's (a fleet's) to change. */
      ruleFiles: z.array(z.object({ file: z.string(), text: z.string() })),
      warnings: z.array(z.string()),
    }),
  ),
  'config.validate': method(
    ['admin'],
    z.strictObject({ text: ConfigText }),
    z.object({
      valid: z.boolean(),
      problems: z.array(ConfigProblem),
      warnings: z.array(z.string()),
      /** Against the text in force. */
      diff: z.array(DiffLine),
      digest: Sha256.optional(),
      rulesDigest: Sha256.optional(),
    }),
  ),
  'config.apply': method(
    ['admin'],
    z.strictObject({
      text: ConfigText,
      reason: Reason,
      /** The digest the editor started from: refused if the configuration changed meanwhile. */
      basedOn: Sha256.optional(),
    }),
    Applied,
  ),
  'config.history': method(
    ['admin', 'auditor'],
    Empty,
    z.object({ versions: z.array(ConfigVersionInfo) }),
  ),
  'config.version': method(
    ['admin', 'auditor'],
    z.strictObject({ version: z.int().positive() }),
    z.object({ version: ConfigVersionInfo, text: z.string() }),
  ),
  'config.rollback': method(
    ['admin'],
    z.strictObject({ version: z.int().positive(), reason: Reason, basedOn: Sha256.optional() }),
    Applied,
  ),
  'config.dryRun': method(
    ['admin'],
    z.strictObject({ text: ConfigText.optional(), transfer: TransferQuestion }),
    z.object({
      decision: Decision,
      rule: z.record(z.string(), z.unknown()).optional(),
      explanation: z.string(),
    }),
  ),
  'config.replay': method(
    ['admin'],
    z.strictObject({ text: ConfigText, count: z.int().min(1).max(10_000).default(100) }),
    z.object({
      replayed: z.int(),
      changed: z.array(
        z.object({
          transfer: z.string(),
          time: Timestamp,
          kind: TransferKind,
          from: z.string(),
          to: z.string(),
          types: z.array(z.string()),
          before: z.object({ action: Action, ruleId: z.string() }),
          after: Decision,
        }),
      ),
    }),
  ),
  'approvals.list': method(['admin'], Empty, z.object({ approvals: z.array(Transfer) })),
  'approvals.approve': method(
    ['admin'],
    z.strictObject({ id: z.string().min(1).max(64), reason: z.string().min(1).max(1000) }),
    Transfer,
  ),
  'approvals.reject': method(
    ['admin'],
    z.strictObject({ id: z.string().min(1).max(64), reason: z.string().min(1).max(1000) }),
    Transfer,
  ),
  'audit.verify': method(['admin', 'auditor'], Empty, VerifyReport),
  'audit.tail': method(
    ['admin', 'auditor'],
    z.strictObject({ count: z.int().min(1).max(10_000).default(20) }),
    z.object({ entries: z.array(AuditEntry) }),
  ),
  'audit.search': method(
    ['admin', 'auditor'],
    z.strictObject({
      since: Timestamp.optional(),
      until: Timestamp.optional(),
      level: Id.optional(),
      kind: TransferKind.optional(),
      decision: Action.optional(),
      rule: z.string().min(1).max(64).optional(),
      actor: z.string().min(1).max(128).optional(),
      event: z.string().min(1).max(64).optional(),
      /** The newest matching entries, at most this many, oldest first. */
      limit: z.int().min(1).max(100_000).default(1000),
    }),
    z.object({
      entries: z.array(AuditEntry),
      /** Entries read, and whether more matched than `limit` (older ones left out). */
      scanned: z.int(),
      more: z.boolean(),
    }),
  ),
  'audit.export': method(
    ['admin', 'auditor'],
    z.strictObject({
      since: Timestamp.optional(),
      until: Timestamp.optional(),
      limit: z.int().min(1).max(1_000_000).default(100_000),
    }),
    z.object({ entries: z.array(AuditEntry) }),
  ),
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type Params<M extends MethodName> = z.input<Methods[M]['params']>;
export type Result<M extends MethodName> = z.output<Methods[M]['result']>;

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, name);
}

/** Events pushed to subscribers as JSON-RPC notifications named `event`. */
export const Event = z.discriminatedUnion('type', [
  z.object({ type: z.literal('transfer.updated'), transfer: Transfer }),
  z.object({
    type: z.literal('transfer.progress'),
    id: z.string(),
    bytesDone: z.int(),
    bytesTotal: z.int(),
  }),
  /**
   * A transfer has its id, before any sanitiser runs: sent to the session that asked for it only,
   * so that a client still waiting for its answer knows which `transfer.sanitising` events are its
   * own (the CLI makes one request per connection: the first of these it gets is its transfer).
   */
  z.object({
    type: z.literal('transfer.started'),
    id: z.string(),
    kind: TransferKind,
    from: Id,
    to: Id,
  }),
  /**
   * A sanitiser's progress through a document, page by page (`done` of `total`): sent to the
   * session that asked for the transfer and to the one whose confirmation or approval runs it,
   * never to others (the names of one person's files are not another's to see).
   */
  z.object({
    type: z.literal('transfer.sanitising'),
    id: z.string(),
    from: Id,
    to: Id,
    /** File: the path relative to the source home. Clipboard: absent. */
    name: z.string().optional(),
    sanitiser: z.string(),
    done: z.int().nonnegative(),
    total: z.int().nonnegative(),
    /**
     * Set while the conversion waits for a free slot (broker.documents.parallel): how many wait
     * ahead of it, 0 when it is next. Absent once it runs.
     */
    waiting: z.int().nonnegative().optional(),
  }),
  z.object({ type: z.literal('level.updated'), level: LevelState }),
  z.object({ type: z.literal('config.reloaded'), digest: Sha256 }),
  z.object({ type: z.literal('config.refused'), errors: z.array(z.string()) }),
  z.object({
    type: z.literal('audit.status'),
    available: z.boolean(),
    reason: z.string().optional(),
  }),
  /** An entry written to the audit log: the audit viewer's live tail (administrators and auditors). */
  z.object({ type: z.literal('audit.entry'), entry: AuditEntry }),
  /** Kiosk: the session was reset (idle); the shell goes back to `startLevel`. */
  z.object({
    type: z.literal('kiosk.reset'),
    reason: z.string(),
    startLevel: Id.optional(),
  }),
  /** Kiosk: an autostart app ended and was restarted in its level, or was given up (error page). */
  z.object({
    type: z.literal('kiosk.app'),
    level: Id,
    app: Id,
    outcome: z.enum(['restarted', 'failed']),
    crashes: z.int(),
    message: z.string(),
  }),
  /**
   * A process of a level's display (X server, window manager, remote-display server) ended on its
   * own: restarted in place, or given up after repeated ends (the level is then stopped).
   */
  z.object({
    type: z.literal('level.display'),
    level: Id,
    outcome: z.enum(['restarted', 'failed']),
    message: z.string(),
  }),
  /**
   * Not sent by the daemon: the shell's glue (browser host, Electron main) tells the renderer that
   * its link to the daemon dropped or was made again (a restarted daemon).
   */
  z.object({ type: z.literal('shell.daemon'), connected: z.boolean(), message: z.string() }),
  /** This connection's administrator's or auditor's session closed (logout, idle, new login). */
  z.object({ type: z.literal('session.closed'), reason: z.string() }),
]);
export type Event = z.infer<typeof Event>;
