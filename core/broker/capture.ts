// The broker's clipboard buffer, as Qubes users know it: Ctrl+Shift+C in a level captures that
// level's clipboard here; Ctrl+Shift+V in another sends it through the usual transfer steps. One
// buffer per session; a paste empties it whatever the outcome. The content never reaches the shell.
import { CloisonError } from '../contract/errors.js';
import type { ClipboardItem, Params, Result, Transfer } from '../contract/methods.js';
import type { Session } from '../daemon/dispatch.js';
import type { Levels } from '../levels/levels.js';
import type { Broker } from './broker.js';

interface Captured {
  from: string;
  items: ClipboardItem[];
  capturedAt: string;
}

export class ClipboardBuffers {
  private readonly bySession = new Map<string, Captured>();

  constructor(
    private readonly deps: {
      broker: Pick<Broker, 'sendClipboard'>;
      levels: Pick<Levels, 'readClipboard' | 'level' | 'runtime'>;
      maxBytes: () => number;
    },
  ) {}

  async capture(
    params: Params<'clipboard.capture'>,
    session: Session,
  ): Promise<Result<'clipboard.capture'>> {
    this.deps.levels.level(params.from);
    const read = await this.deps.levels.readClipboard(params.from, this.deps.maxBytes());
    if (read.length === 0) {
      throw new CloisonError(
        'CLIPBOARD_EMPTY',
        `The clipboard of ${params.from} is empty: copy something there first.`,
      );
    }
    const captured: Captured = {
      from: params.from,
      items: read.map((i) => ({ type: i.type, data: i.bytes.toString('base64') })),
      capturedAt: new Date().toISOString(),
    };
    this.bySession.set(session.id, captured);
    return {
      from: captured.from,
      items: read.map((i) => ({ type: i.type, size: i.bytes.length })),
      capturedAt: captured.capturedAt,
    };
  }

  async paste(params: Params<'clipboard.paste'>, session: Session): Promise<Transfer> {
    const captured = this.bySession.get(session.id);
    if (!captured) {
      throw new CloisonError(
        'CLIPBOARD_EMPTY',
        "Nothing was captured: press Ctrl+Shift+C in the source level first (a paste empties the broker's buffer).",
      );
    }
    // A paste has to land on a running level's clipboard: into a stopped one it would be spent
    // on nothing. Refused before the buffer is touched, so the user starts the level and pastes.
    this.deps.levels.level(params.to);
    if (!this.deps.levels.runtime(params.to)) {
      throw new CloisonError(
        'LEVEL_NOT_RUNNING',
        `Level "${params.to}" is not running, so there is no clipboard to paste into: start it (or an app in it), then paste again. The captured content is kept.`,
      );
    }
    // Emptied before the transfer runs: a refused or failed paste does not leave it to retry.
    this.bySession.delete(session.id);
    return this.deps.broker.sendClipboard(
      {
        from: captured.from,
        to: params.to,
        items: captured.items,
        ...(params.justification ? { justification: params.justification } : {}),
      },
      session,
    );
  }

  /** Every session's buffer emptied (a kiosk's reset); returns how many held content. */
  clear(): number {
    const held = this.bySession.size;
    this.bySession.clear();
    return held;
  }

  /** A closed session's buffer goes with it. */
  forget(session: Session): void {
    this.bySession.delete(session.id);
  }
}
