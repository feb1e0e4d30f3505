// The configuration's shape: broker settings, levels, apps and transfer rules.
// Shared by the daemon (which validates files against it), the CLI and later the shell; no I/O.
import { z } from 'zod';

/** Level and app ids: short, lowercase, usable in paths and partition names. */
export const Id = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,31}$/, 'an id of 1 to 32 characters: a-z first, then a-z, 0-9 or -');

/** A MIME type (`image/png`), a wildcard over a top-level type (`text/*`), or everything (`*\/*`). */
export const MimePattern = z
  .string()
  .regex(
    /^(\*\/\*|[a-z]+\/(\*|[a-z0-9][a-z0-9!#$&^_.+-]{0,126}))$/,
    'a MIME type such as text/plain, a wildcard such as image/*, or */*',
  );

/** A MIME type without wildcards (`image/png`): what content is, as a request names it. */
export const MimeType = z
  .string()
  .regex(
    /^[a-z]+\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/,
    'a MIME type such as text/plain or image/png (no wildcard)',
  );

export const Colour = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour as #rrggbb');

export const WebApp = z.strictObject({
  id: Id,
  label: z.string().min(1).max(64),
  type: z.literal('web'),
  url: z.url({ protocol: /^https?$/ }),
  /** Origins the app may navigate to, e.g. https://example.org; the URL's own origin is implied. */
  origins: z.array(z.url({ protocol: /^https?$/ })).default([]),
});

export const NativeApp = z.strictObject({
  id: Id,
  label: z.string().min(1).max(64),
  type: z.literal('native'),
  /** Executable and arguments, run as is: never through a shell. */
  argv: z.array(z.string().min(1)).min(1),
});

export const App = z.discriminatedUnion('type', [WebApp, NativeApp]);

/** Permissions a web app can request from the Electron shell. */
export const WebPermission = z.enum([
  'camera',
  'microphone',
  'geolocation',
  'notifications',
  'clipboard-read',
  'clipboard-sanitized-write',
  'fullscreen',
  'media-key-system',
]);
export type WebPermission = z.infer<typeof WebPermission>;

export const Level = z.strictObject({
  id: Id,
  label: z.string().min(1).max(64),
  colour: Colour,
  /** Higher is more sensitive: `up` means towards a higher rank. */
  rank: z.int().min(0).max(1000),
  network: z.enum(['none', 'host']).default('none'),
  ephemeral: z.boolean().default(false),
  apps: z.array(App).default([]),
  /** Stop the level (display included) when its last app exits, rather than on request only. */
  stopWithLastApp: z.boolean().default(false),
  /**
   * The unprivileged account its compartments run as when the daemon runs as root (a system
   * install gives each level its own); default `broker.compartments.account`.
   */
  account: z
    .string()
    .regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'an account name')
    .optional(),
  /**
   * What the level's web apps may be granted when they ask (Electron shell); everything else is
   * denied, and so is everything when this is absent.
   */
  webPermissions: z.array(WebPermission).default([]),
});

export const TransferKind = z.enum(['clipboard', 'file']);
export const Action = z.enum(['allow', 'deny', 'ask', 'approve']);

/** `from`: a level id or `*`. `to`: a level id, `*`, or `up`/`down` relative to `from`'s rank. */
export const Rule = z.strictObject({
  id: Id,
  description: z.string().max(200).optional(),
  kind: TransferKind,
  from: z.union([z.literal('*'), Id]),
  to: z.union([z.literal('*'), z.literal('up'), z.literal('down'), Id]),
  types: z.array(MimePattern).min(1),
  maxBytes: z.int().positive().optional(),
  action: Action,
  sanitise: z
    .string()
    .regex(/^[a-z][a-z0-9-]*$/, 'a sanitiser name')
    .optional(),
  /**
   * File rules with a sanitiser: the original of each file it sanitises is also kept in the source
   * level's `Quarantine/` folder, as it was inspected (for a person to look at, or to retry).
   */
  quarantine: z.boolean().optional(),
});

export const BrokerSettings = z.strictObject({
  /** Largest JSON-RPC message a client may send; larger ones are refused, never truncated. */
  maxMessageBytes: z
    .int()
    .min(4096)
    .max(256 * 1024 * 1024)
    .default(32 * 1024 * 1024),
  /** How long a transfer waiting for the user's `ask` confirmation lives. */
  askTimeoutSeconds: z.int().min(5).max(86_400).default(300),
  /** How long a transfer waiting for an administrator's approval lives. */
  approvalTimeoutSeconds: z
    .int()
    .min(60)
    .max(30 * 86_400)
    .default(86_400),
  /** Largest content a sanitiser is given; content is held in memory while it is sanitised. */
  sanitiserMaxBytes: z
    .int()
    .positive()
    .default(64 * 1024 * 1024),
  /** Images: largest decoded size in pixels (decompression bombs are refused). */
  imageMaxPixels: z.int().positive().default(50_000_000),
  compartments: z
    .strictObject({
      /** The account compartments run as when the daemon is root and a level names none. */
      account: z
        .string()
        .regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'an account name')
        .default('nobody'),
      /** Size of each level's display. */
      displayWidth: z.int().min(320).max(7680).default(1280),
      displayHeight: z.int().min(200).max(4320).default(800),
      /** Seconds after a delivery into a level's clipboard before it is wiped (0: never). */
      clipboardWipeSeconds: z.int().min(0).max(86_400).default(120),
      /** Lines of each level's log kept in memory (apps' output, exits, display servers). */
      logLines: z.int().min(10).max(100_000).default(2000),
      /** Size of each level's /tmp, /run and /dev/shm (memory: no rlimit counts it). */
      tmpBytes: z
        .int()
        .min(1024 * 1024)
        .default(512 * 1024 * 1024),
    })
    .default({
      account: 'nobody',
      displayWidth: 1280,
      displayHeight: 800,
      clipboardWipeSeconds: 120,
      logLines: 2000,
      tmpBytes: 512 * 1024 * 1024,
    }),
  /**
   * Documents (pdf-rasterise, office-to-pdf) and every throw-away compartment a sanitiser runs:
   * a conversion over a limit is refused, with the limit named.
   */
  documents: z
    .strictObject({
      /** Resolution pages are rendered at. */
      dpi: z.int().min(36).max(600).default(150),
      /** Most pages of a document; more is refused before any page is rendered. */
      maxPages: z.int().min(1).max(100_000).default(1000),
      /** Largest page, in pixels at `dpi`. */
      maxPagePixels: z.int().positive().default(25_000_000),
      /** Private writable memory of each process in a throw-away compartment. */
      memoryBytes: z
        .int()
        .min(64 * 1024 * 1024)
        .default(1024 * 1024 * 1024),
      /** Longest one conversion may take (wall clock, and CPU time of each process). */
      timeoutSeconds: z.int().min(1).max(3600).default(300),
      /**
       * Most conversions in throw-away compartments at once (LibreOffice, pdftoppm, libvips); the
       * others wait their turn. Default: the machine's CPU count.
       */
      parallel: z.int().min(1).max(256).optional(),
    })
    .default({
      dpi: 150,
      maxPages: 1000,
      maxPagePixels: 25_000_000,
      memoryBytes: 1024 * 1024 * 1024,
      timeoutSeconds: 300,
    }),
  audit: z
    .strictObject({
      /** A segment of the audit log is closed and a new one started beyond this size. */
      segmentBytes: z
        .int()
        .min(4096)
        .default(16 * 1024 * 1024),
    })
    .default({ segmentBytes: 16 * 1024 * 1024 }),
});

/** A passphrase as the daemon keeps it: scrypt's cost, salt and hash, never the passphrase. */
export const PassphraseHash = z
  .string()
  .regex(
    /^scrypt\$\d{4,7}\$\d{1,2}\$\d{1,2}\$[A-Za-z0-9+/]{22,}={0,2}\$[A-Za-z0-9+/]{43,}={0,2}$/,
    'a passphrase hash made by `cloison admins hash` (scrypt$N$r$p$salt$hash)',
  );

/** Who may open an administrator's or an auditor's session from the shell (see core/admin/). */
export const AdminAccount = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z_][a-z0-9_.-]{0,31}$/, 'an account name: a-z or _ first, then a-z, 0-9, _ . -'),
  /** admin: changes the configuration and decides approvals; auditor: reads the audit log and the configuration only. */
  role: z.enum(['admin', 'auditor']),
  passphrase: PassphraseHash,
});

export const Administration = z.strictObject({
  accounts: z.array(AdminAccount).default([]),
  /** An administrator's or auditor's session closes after this many idle minutes. */
  idleMinutes: z
    .number()
    .min(0.05)
    .max(24 * 60)
    .default(15),
  /** After a wrong passphrase, the next attempt for that account waits this long, doubled each time (up to 30 s). */
  failureDelayMs: z.int().min(0).max(30_000).default(1000),
});

/**
 * Kiosk mode: the shell locked full screen, unattended. The daemon enforces it (launches, idle
 * reset, restarts after crashes); the shell only shows it.
 */
export const Kiosk = z.strictObject({
  /** The levels the kiosk offers, in the bar; absent: every level. */
  levels: z.array(Id).min(1).optional(),
  /** The level the shell shows at start and after an idle reset; absent: the lowest offered rank. */
  startLevel: Id.optional(),
  /** Native apps started by the daemon when the kiosk starts and after every reset. */
  autostart: z.array(z.strictObject({ level: Id, app: Id })).default([]),
  /** Whether the user may launch the offered levels' other apps; if not, autostart apps only. */
  userLaunch: z.boolean().default(false),
  /** Seconds without activity in the shell before the session resets (0: never). */
  idleSeconds: z.int().min(0).max(86_400).default(300),
  /** An autostart app that ends more than `maxRestarts` times within `windowSeconds` is given up. */
  restart: z
    .strictObject({
      maxRestarts: z.int().min(0).max(100).default(3),
      windowSeconds: z.int().min(1).max(86_400).default(60),
    })
    .default({ maxRestarts: 3, windowSeconds: 60 }),
});

export const Config = z.strictObject({
  broker: BrokerSettings.default(BrokerSettings.parse({})),
  administration: Administration.default(Administration.parse({})),
  levels: z.array(Level).min(1),
  rules: z.array(Rule).default([]),
  kiosk: Kiosk.optional(),
});

/** A drop-in file of `rules.d/`: rules only, appended after the main file's in name order. */
export const RulesFile = z.strictObject({
  rules: z.array(Rule).default([]),
});

export type Config = z.infer<typeof Config>;
export type Level = z.infer<typeof Level>;
export type Kiosk = z.infer<typeof Kiosk>;
export type App = z.infer<typeof App>;
export type WebApp = z.infer<typeof WebApp>;
export type Rule = z.infer<typeof Rule>;
export type AdminAccount = z.infer<typeof AdminAccount>;
export type TransferKind = z.infer<typeof TransferKind>;
export type Action = z.infer<typeof Action>;
export type BrokerSettings = z.infer<typeof BrokerSettings>;
