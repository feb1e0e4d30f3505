// What the shell (renderer, preload, Electron main and browser host) may ask of the daemon: a subset
// of the user socket's methods, and the shape of `window.cloison`. Derived from the contract; no I/O.
import { z } from 'zod';
import { ErrorCode } from './errors.js';
import { methods, type Event, type MethodName, type Params, type Result } from './methods.js';

/** The user-socket methods the shell calls; anything else is refused before it reaches the daemon. */
export const shellMethods = [
  'daemon.status',
  'levels.list',
  'levels.start',
  'levels.stop',
  'levels.status',
  'apps.launch',
  'apps.stop',
  'clipboard.capture',
  'clipboard.paste',
  'files.list',
  'files.send',
  'files.preview',
  'transfers.list',
  'transfers.get',
  'transfers.confirm',
  'transfers.cancel',
  'policy.explain',
  'kiosk.status',
  'kiosk.activity',
] as const satisfies readonly MethodName[];
/**
 * The administration methods the shell's admin console calls. They pass the shell's boundary only
 * on the session an administrator or auditor opened with `session.login` (the host and the main
 * process keep that session on a daemon connection of its own); the daemon still checks each
 * call's role. `compartments.run` is never here: it reads users' data.
 */
export const adminShellMethods = [
  'session.login',
  'session.logout',
  'session.whoami',
  'config.show',
  'config.validate',
  'config.apply',
  'config.history',
  'config.version',
  'config.rollback',
  'config.dryRun',
  'config.replay',
  'approvals.list',
  'approvals.approve',
  'approvals.reject',
  'audit.verify',
  'audit.tail',
  'audit.search',
  'audit.export',
] as const satisfies readonly MethodName[];
export type AdminShellMethod = (typeof adminShellMethods)[number];

/** Every method that may cross the shell's boundary: the user's and the admin console's. */
export type ShellMethod = (typeof shellMethods)[number] | AdminShellMethod;

export function isShellMethod(name: unknown): name is ShellMethod {
  return (
    typeof name === 'string' &&
    ((shellMethods as readonly string[]).includes(name) ||
      (adminShellMethods as readonly string[]).includes(name))
  );
}

export function isAdminShellMethod(name: unknown): name is AdminShellMethod {
  return typeof name === 'string' && (adminShellMethods as readonly string[]).includes(name);
}

/** Daemon events that belong to an admin session: its live tail and its closing. */
export const adminEventTypes = ['audit.entry', 'session.closed'] as const;

/** One call from the shell's UI, as it crosses a boundary (IPC, HTTP): parsed as unknown. */
export const ShellCall = z.strictObject({
  method: z.string().min(1).max(128),
  params: z.unknown().optional(),
});

/** The answer to one call: the result, or a coded error with a sentence a person can act on. */
export const ShellAnswer = z.union([
  z.strictObject({ ok: z.literal(true), result: z.unknown() }),
  z.strictObject({
    ok: z.literal(false),
    error: z.strictObject({ code: ErrorCode, message: z.string() }),
  }),
]);
export type ShellAnswer = z.infer<typeof ShellAnswer>;

/**
 * Validates one shell call: a known shell method and params that match the contract. Returns the
 * parsed params or a coded error; used by the host and the Electron main process alike.
 */
export function parseShellCall(
  raw: unknown,
):
  | { ok: true; method: ShellMethod; params: unknown }
  | { ok: false; error: { code: ErrorCode; message: string } } {
  const call = ShellCall.safeParse(raw);
  if (!call.success) {
    return {
      ok: false,
      error: { code: 'INVALID_REQUEST', message: 'A call is an object { method, params }.' },
    };
  }
  const { method } = call.data;
  if (!isShellMethod(method)) {
    return {
      ok: false,
      error: {
        code: 'UNKNOWN_METHOD',
        message: `The shell has no method named ${JSON.stringify(method.slice(0, 64))}.`,
      },
    };
  }
  const params = methods[method].params.safeParse(call.data.params ?? {});
  if (!params.success) {
    const why = params.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.map(String).join('.') || '(params)'}: ${i.message}`)
      .join('; ');
    return {
      ok: false,
      error: { code: 'INVALID_PARAMS', message: `Invalid parameters for "${method}": ${why}.` },
    };
  }
  return { ok: true, method, params: params.data };
}

/** `window.cloison`: typed by the contract, the same in Electron (preload) and in the browser host. */
export interface ShellApi {
  call<M extends ShellMethod>(method: M, params: Params<M>): Promise<Result<M>>;
  /** Daemon events, validated against the contract; returns an unsubscribe function. */
  onEvent(listener: (event: Event) => void): () => void;
  /** Where a level's display is bridged for noVNC. */
  vncUrl(level: string): Promise<string>;
  /** The active level changed (Electron: swap the system clipboard, show its web views). */
  levelSwitched?(level: string): void;
  /** Electron only: web apps, in views of the level's partition. Absent: no web apps here. */
  openWebApp?(level: string, app: string): void;
  setAppArea?(area: { x: number; y: number; width: number; height: number }): void;
  /** Electron kiosk only: an administrator's admin step unlocks the exit. Absent: no exit here. */
  kioskUnlock?: ShellBridge['kioskUnlock'];
  /** Which glue runs the shell. */
  readonly mode: 'electron' | 'browser';
}

/**
 * What the Electron preload exposes as `window.cloison`: typed by the contract, forwarding only.
 * Answers come back as ShellAnswer values (errors do not survive contextBridge as classes); the
 * renderer validates them as it does the browser host's.
 */
export interface ShellBridge {
  readonly mode: 'electron';
  call<M extends ShellMethod>(method: M, params: Params<M>): Promise<unknown>;
  onEvent(listener: (event: unknown) => void): () => void;
  /** The main process's VNC bridge for one level's display. */
  vncUrl(level: string): Promise<string>;
  /** Tells the main process which level is active (clipboard swap, web-app views). */
  levelSwitched(level: string): void;
  /** Opens (or shows) a level's web app in a view of the level's partition. */
  openWebApp(level: string, app: string): void;
  /** Where the active app's view goes: the workspace's display area, in CSS pixels. */
  setAppArea(area: { x: number; y: number; width: number; height: number }): void;
  /** Kiosk: an administrator's admin step (checked by the daemon) unlocks the exit. */
  kioskUnlock(
    account: string,
    passphrase: string,
    what: 'exit' | 'admin-console',
  ): Promise<{ ok: boolean; message: string }>;
}
