// A level's CLIPBOARD selection, read and written by the daemon through xclip run in a sandbox
// of the level's display (xclip talks to an X server whose clients are untrusted apps). What is
// read is untrusted bytes, bounded in size and time; it goes to the broker, never straight across.
import type { ChildProcess } from 'node:child_process';
import { CloisonError } from '../contract/errors.js';
import { startSandbox, type Account } from '../compartment/spawn.js';
import { sandboxEnv } from '../compartment/sandbox.js';
import type { DisplayAccess } from './display.js';

const XCLIP = '/usr/bin/xclip';

export interface SelectionItem {
  /** The MIME type the owner offered (text/plain for every text target). */
  type: string;
  bytes: Buffer;
}

export interface ClipboardContext {
  level: string;
  display: DisplayAccess;
  account?: Account;
  log: (source: string, text: string) => void;
}

/** Text targets in order of preference, and the images the broker knows how to check. */
const TEXT_TARGETS = ['UTF8_STRING', 'text/plain;charset=utf-8', 'text/plain', 'STRING'];
const IMAGE_TARGETS = ['image/png', 'image/jpeg'];

/**
 * Reads what the level's clipboard holds: the text (UTF8_STRING preferred) and, if offered, one
 * image. Empty clipboard: CLIPBOARD_EMPTY. More than `maxBytes`: TOO_LARGE, never cut.
 */
export async function readClipboard(
  ctx: ClipboardContext,
  options: { maxBytes: number; timeoutMs?: number },
): Promise<SelectionItem[]> {
  const targetsText = await runXclip(ctx, ['-o', '-t', 'TARGETS'], 64 * 1024, options.timeoutMs)
    .then((b) => b.toString('latin1'))
    .catch((err: unknown) => {
      // xclip says "target TARGETS not available" when nobody owns the selection.
      if (err instanceof CloisonError && err.code === 'CLIPBOARD_EMPTY') return '';
      throw err;
    });
  const targets = new Set(targetsText.split('\n').map((t) => t.trim()));
  const items: SelectionItem[] = [];
  const text = TEXT_TARGETS.find((t) => targets.has(t));
  const image = IMAGE_TARGETS.find((t) => targets.has(t));
  let budget = options.maxBytes;
  for (const [target, type] of [
    [image, image],
    [text, 'text/plain'],
  ] as const) {
    if (target === undefined || type === undefined) continue;
    const bytes = await runXclip(ctx, ['-o', '-t', target], budget, options.timeoutMs);
    budget -= bytes.length;
    items.push({ type, bytes });
  }
  if (items.length === 0) {
    throw new CloisonError(
      'CLIPBOARD_EMPTY',
      `The clipboard of level "${ctx.level}" holds no text or image to send.`,
    );
  }
  return items;
}

/** The process that owns a level's clipboard after a delivery, until replaced or wiped. */
export interface ClipboardOwner {
  /** True while no app of the level has put something else on the clipboard. */
  readonly owning: boolean;
  /** Empties the clipboard if it still holds what was delivered. */
  wipe(): Promise<void>;
}

/** Puts `item` on the level's clipboard; the returned owner serves pastes until replaced. */
export async function writeClipboard(
  ctx: ClipboardContext,
  item: SelectionItem,
): Promise<ClipboardOwner> {
  const target = item.type.startsWith('text/') ? 'UTF8_STRING' : item.type;
  const sandbox = await startXclip(ctx, ['-i', '-quiet', '-t', target], 'pipe');
  sandbox.process.stdin!.end(item.bytes);
  let owning = true;
  void sandbox.exited.then(() => (owning = false));
  // Delivered means pasteable: xclip takes the selection a moment after it starts, so the
  // delivery is done only once the display offers the target (or xclip has gone).
  const deadline = Date.now() + 3000;
  for (;;) {
    const offered = await runXclip(ctx, ['-o', '-t', 'TARGETS'], 64 * 1024, 1000)
      .then((b) =>
        b
          .toString('latin1')
          .split('\n')
          .map((t) => t.trim())
          .includes(target),
      )
      .catch(() => false);
    if (offered || !owning) break;
    if (Date.now() > deadline) {
      sandbox.process.kill('SIGKILL');
      throw new CloisonError(
        'DISPLAY_FAILED',
        `The clipboard of level "${ctx.level}" did not take the content within 3 s.`,
      );
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return {
    get owning() {
      return owning;
    },
    async wipe() {
      if (!owning) return;
      // The owner gone, the selection has none: the clipboard is empty.
      sandbox.process.kill('SIGKILL');
      await sandbox.exited;
    },
  };
}

function startXclip(ctx: ClipboardContext, args: string[], stdin?: 'pipe') {
  return startSandbox({
    argv: [XCLIP, '-selection', 'clipboard', ...args],
    mounts: ctx.display.mounts,
    masked: [],
    network: 'none',
    hostname: `${ctx.level}-clipboard`,
    env: sandboxEnv({}, { HOME: '/tmp', ...ctx.display.env }),
    cwd: '/',
    ...(ctx.account ? { account: ctx.account } : {}),
    ...(stdin ? { stdin } : {}),
    stdout: 'pipe',
    onOutput: (text) => ctx.log('clipboard', text),
  });
}

async function runXclip(
  ctx: ClipboardContext,
  args: string[],
  maxBytes: number,
  timeoutMs = 5000,
): Promise<Buffer> {
  let errors = '';
  const sandbox = await startSandbox({
    argv: [XCLIP, '-selection', 'clipboard', ...args],
    mounts: ctx.display.mounts,
    masked: [],
    network: 'none',
    hostname: `${ctx.level}-clipboard`,
    env: sandboxEnv({}, { HOME: '/tmp', ...ctx.display.env }),
    cwd: '/',
    ...(ctx.account ? { account: ctx.account } : {}),
    stdout: 'pipe',
    onOutput: (text) => (errors = (errors + text).slice(-1000)),
  });
  return collect(sandbox.process, sandbox.exited, maxBytes, timeoutMs, ctx.level, () => errors);
}

function collect(
  child: ChildProcess,
  exited: Promise<number>,
  maxBytes: number,
  timeoutMs: number,
  level: string,
  errors: () => string,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failure: CloisonError | undefined;
    const timer = setTimeout(() => {
      failure = new CloisonError(
        'BAD_CONTENT',
        `The clipboard of level "${level}" did not answer within ${timeoutMs} ms: its owner is stuck or hostile.`,
      );
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        failure ??= new CloisonError(
          'TOO_LARGE',
          `The clipboard of level "${level}" holds more than ${maxBytes} bytes: nothing was sent.`,
          { maxBytes },
        );
        child.kill('SIGKILL');
        return;
      }
      chunks.push(chunk);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      if (failure) return reject(failure);
      if (code !== 0) {
        const why = errors().trim();
        return reject(
          /not available|no owner/i.test(why)
            ? new CloisonError('CLIPBOARD_EMPTY', `The clipboard of level "${level}" is empty.`)
            : new CloisonError(
                'BAD_CONTENT',
                `Reading the clipboard of level "${level}" failed (xclip exited with ${code})${why ? `: ${why}` : ''}.`,
              ),
        );
      }
      resolve(Buffer.concat(chunks));
    });
  });
}
