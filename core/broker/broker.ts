// The broker: runs each transfer as named steps — read, inspect, decide, confirm, sanitise,
// deliver, audit — and holds transfers waiting for a user or an administrator. It sits between
// levels: nothing crosses except through here, and nothing is visible before its audit entry is.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { LoadedConfig } from '../config/index.js';
import type { Config, Level } from '../contract/config.js';
import { CloisonError } from '../contract/errors.js';
import type {
  ClipboardItem,
  Decision,
  Event,
  Params,
  PreviewItem,
  Result,
  Transfer,
} from '../contract/methods.js';
import type { AuditLog } from '../audit/index.js';
import {
  deliverFiles,
  removeSources,
  scanSources,
  shown,
  type Delivered,
  type SourceEntry,
} from '../files/index.js';
import { decide } from '../policy/index.js';
import { sanitisedName } from '../sanitise/output-name.js';
import { levelHome, levelStaging, type LevelWhere, type StatePaths } from '../state/paths.js';
import type { Session } from '../daemon/dispatch.js';
import { sameActor } from './actors.js';
import { inspectClipboardItem, sanitiseClipboard } from './clipboard.js';
import { inspectFile, previewFile, type InspectedFile } from './files.js';
import { keepOriginals, type Kept } from './quarantine.js';
import { sanitiseBytes, sanitiseContext, type BrokerSanitiseContext } from './sanitise.js';
import {
  auditRecord,
  deniedError,
  oversized,
  refusedFile,
  resolveLevels,
  strictest,
} from './steps.js';
import { TransferStore, type Held } from './store.js';
import type { Levels } from '../levels/levels.js';

type Payload =
  | { kind: 'clipboard'; items: ClipboardItem[] }
  | { kind: 'file'; files: InspectedFile[]; move: boolean };

export interface BrokerDeps {
  config: () => LoadedConfig;
  audit: AuditLog;
  paths: StatePaths;
  /** Pushes an event to subscribed sessions; `requester` limits it to one session when set. */
  emit: (event: Event, only?: { session?: string; role?: 'user' | 'admin' }) => void;
  /** The levels' clipboards (through their displays) and accounts; absent in unit tests. */
  levels?: Pick<Levels, 'readClipboard' | 'deliverClipboard'>;
  /**
   * The user socket is shared by several accounts (a system install's users' group): then each
   * account is a person, and the approver of a transfer must be another account than its
   * requester's, whatever names either gives. Alone on the socket (the embedded default), only
   * names and logins can tell people apart.
   */
  accountsArePeople?: boolean;
}

/** Who did it, as the audit log records it: what the peer said, and the session it came on. */
/** Who did it, as the audit log records it: a logged-in administrator or auditor by account. */
export function actorOf(session: Session): string {
  if (session.login) return `${session.login.account} [${session.login.role}] (${session.id})`;
  return `${session.actor} (${session.id})`;
}

type Requester = Pick<Held<Payload>, 'requesterSession' | 'requesterUid'>;

/** A file transfer being sanitised and delivered now: what a cancel needs to stop it. */
interface Running {
  transfer: Transfer;
  controller: AbortController;
  /** The sessions that may cancel it: its requester's and the one whose decision runs it. */
  sessions: ReadonlySet<string>;
  /** The session whose call runs it and waits for its answer (see `sessionClosed`). */
  caller: string;
  /** False once its audit entry is being written: from there it is delivered, not cancelled. */
  cancellable: boolean;
  /** Settles when the run has ended, whichever way. */
  ended: Promise<unknown>;
}
const REQUESTERS_KEPT = 10_000;

export class Broker {
  /** Who asked for each recent transfer, from its first moment (events follow it). */
  private readonly requesters = new Map<string, Requester>();

  private readonly store = new TransferStore<Payload>();

  private readonly running = new Map<string, Running>();

  constructor(private readonly deps: BrokerDeps) {}

  async sendClipboard(params: Params<'clipboard.send'>, session: Session): Promise<Transfer> {
    const { config } = this.deps.config();
    const { from, to } = resolveLevels(config, params.from, params.to);
    const content = params.items ?? (await this.readSourceClipboard(from));
    // Nothing is not content: an empty item would "deliver" an empty clipboard over the target's.
    if (content.every((item) => item.data.length === 0)) {
      throw new CloisonError('CLIPBOARD_EMPTY', 'There is nothing to send: the content is empty.');
    }
    const inspected = [];
    for (const item of content) inspected.push(await inspectClipboardItem(item, config, from, to));
    const transfer = this.newTransfer(
      'clipboard',
      from,
      to,
      session,
      params.justification,
      inspected.map((i) => i.report),
    );
    if (transfer.decision.action === 'deny')
      return this.deny(transfer, session, { kind: 'clipboard', items: [] });
    this.started(transfer, session);
    // Sanitised now, whatever the action: a failure is told at once, and the digests of what
    // would cross are in the record the user or the administrator decides on.
    let items: ClipboardItem[];
    try {
      const sanitiser = inspected.find((i) => i.sanitiser)?.sanitiser ?? 'none';
      const context = await this.sanitiseContext(transfer, [session.id], sanitiser);
      items = await sanitiseClipboard(inspected, config.broker, context);
    } catch (err) {
      return this.fail(transfer, session, err);
    }
    return this.route(transfer, session, { kind: 'clipboard', items });
  }

  /** The source level's clipboard, read from its display: what the user copied there. */
  private async readSourceClipboard(from: Level): Promise<ClipboardItem[]> {
    if (!this.deps.levels) {
      throw new CloisonError(
        'LEVEL_NOT_RUNNING',
        'This broker has no level displays to read from.',
      );
    }
    const max = this.deps.config().config.broker.sanitiserMaxBytes;
    const read = await this.deps.levels.readClipboard(from.id, max);
    return read.map((item) => ({ type: item.type, data: item.bytes.toString('base64') }));
  }

  async sendFiles(params: Params<'files.send'>, session: Session): Promise<Transfer> {
    const { config } = this.deps.config();
    const { from, to } = resolveLevels(config, params.from, params.to);
    const home = levelHome(this.deps.paths, from);
    // Every entry checked before anything is read for content or written anywhere.
    const entries = await scanSources(home, params.paths);
    if (entries.length === 0) throw new CloisonError('BAD_PATH', 'The paths name no file to send.');
    const files: InspectedFile[] = [];
    for (const entry of entries) files.push(await inspectFile(home, entry, config, from, to));
    const transfer = this.newTransfer(
      'file',
      from,
      to,
      session,
      params.justification,
      files.map((f) => f.report),
    );
    const payload: Payload = { kind: 'file', files, move: params.move ?? false };
    if (transfer.decision.action === 'deny') return this.deny(transfer, session, payload);
    this.started(transfer, session);
    // Told at once, not after a confirmation or an approval: no sanitiser will take it.
    const tooLarge = oversized(files, config.broker.sanitiserMaxBytes);
    if (tooLarge) return this.fail(transfer, session, tooLarge);
    return this.route(transfer, session, payload);
  }

  /** The decision `sendFiles` would reach for the same paths, with nothing held or written. */
  async previewFiles(params: Params<'files.preview'>): Promise<Result<'files.preview'>> {
    const { config } = this.deps.config();
    const { from, to } = resolveLevels(config, params.from, params.to);
    const home = levelHome(this.deps.paths, from);
    const entries = await scanSources(home, params.paths);
    if (entries.length === 0) throw new CloisonError('BAD_PATH', 'The paths name no file to send.');
    const items: PreviewItem[] = [];
    for (const entry of entries) items.push(await previewFile(home, entry, config, from, to));
    return { decision: strictest(items), items };
  }

  /** The requester's transfers, newest first; clipboard content only in transfers.get. */
  list(session: Session): Transfer[] {
    return this.store
      .all()
      .filter((h) => requestedBy(h, session))
      .map((h) => withoutContent(h.transfer))
      .reverse();
  }

  get(id: string, session: Session): Transfer {
    const held = this.ownedBy(id, session);
    return held.transfer;
  }

  async confirm(id: string, session: Session): Promise<Transfer> {
    const held = this.ownedBy(id, session);
    this.expectStatus(held, 'waiting-for-user');
    return this.deliver(held, session, 'confirmed by the user');
  }

  async cancel(id: string, session: Session): Promise<Transfer> {
    const running = this.running.get(id);
    if (running) return this.cancelRunning(running, session);
    const held = this.ownedBy(id, session);
    if (
      held.transfer.status !== 'waiting-for-user' &&
      held.transfer.status !== 'waiting-for-approval'
    ) {
      throw new CloisonError(
        'NO_SUCH_TRANSFER',
        `Transfer "${id}" is ${held.transfer.status}; nothing to cancel.`,
      );
    }
    return this.end(held, 'cancelled', 'cancelled by the user', actorOf(session));
  }

  /**
   * Stops a transfer whose files are being sanitised (Ctrl+C on `files send`): its compartments are
   * killed, what was staged is removed, nothing is delivered, and it is audited as cancelled.
   */
  private async cancelRunning(running: Running, session: Session): Promise<Transfer> {
    const { id } = running.transfer;
    const requester = this.requesters.get(id);
    const mine =
      running.sessions.has(session.id) ||
      (requester?.requesterUid !== undefined &&
        session.peer?.uid === requester.requesterUid &&
        sameActor(running.transfer.requester, session.actor));
    if (!mine) throw new CloisonError('NO_SUCH_TRANSFER', `There is no transfer "${id}".`, { id });
    if (!running.cancellable) {
      throw new CloisonError(
        'NO_SUCH_TRANSFER',
        `Transfer "${id}" is being delivered already; it can no longer be cancelled.`,
        { id },
      );
    }
    running.controller.abort(
      new CloisonError('CANCELLED', `Transfer "${id}" was cancelled; nothing was delivered.`, {
        id,
        by: actorOf(session),
      }),
    );
    await running.ended;
    return withoutContent(running.transfer);
  }

  /**
   * A connection closed: a transfer its call was running (a `files send` killed outright, a shell
   * gone) is cancelled, as Ctrl+C would, rather than delivered to someone no longer there to hear
   * of it. Audited as cancelled, like any cancel; one past its audit entry is delivered.
   */
  async sessionClosed(session: Session): Promise<void> {
    for (const running of [...this.running.values()]) {
      if (running.caller !== session.id || !running.cancellable) continue;
      const { id } = running.transfer;
      running.controller.abort(
        new CloisonError(
          'CANCELLED',
          `Transfer "${id}" was cancelled: the connection that asked for it closed; nothing was delivered.`,
          { id, by: `${actorOf(session)} (connection closed)` },
        ),
      );
      await running.ended;
    }
  }

  approvals(): Transfer[] {
    return this.store
      .all()
      .filter((h) => h.transfer.status === 'waiting-for-approval')
      .map((h) => withoutContent(h.transfer));
  }

  async approve(id: string, reason: string, session: Session): Promise<Transfer> {
    const held = this.forApproval(id, session);
    return withoutContent(await this.deliver(held, session, `approved: ${reason}`));
  }

  async reject(id: string, reason: string, session: Session): Promise<Transfer> {
    const held = this.forApproval(id, session);
    return withoutContent(
      await this.end(held, 'rejected', `rejected: ${reason}`, actorOf(session)),
    );
  }

  /**
   * The rules changed (a reload): every transfer still waiting for the user or an administrator is
   * decided again, item by item, as it was when it was asked for. One whose decision is not the one
   * it was held under ends, so that a confirmation or an approval never delivers under rules that
   * are no longer in force; the others keep waiting. Returns the transfers it ended.
   */
  async rulesChanged(actor: string): Promise<Transfer[]> {
    const { config } = this.deps.config();
    const ended: Transfer[] = [];
    for (const held of this.store.all()) {
      const { status } = held.transfer;
      if (status !== 'waiting-for-user' && status !== 'waiting-for-approval') continue;
      const redecided = redecide(held, config);
      if (!redecided) continue;
      const previous = held.transfer.decision;
      held.transfer = { ...held.transfer, ...redecided };
      const outcome = `the rules changed: ${redecided.decision.reason}`;
      ended.push(
        await this.end(held, 'cancelled', outcome, actor, {
          previousRule: previous.ruleId,
          previousDecision: previous.action,
        }).catch(() => {
          // The audit log refused the entry: the transfer ends all the same (fail closed: what the
          // old rules held back never crosses under them).
          const transfer: Transfer = { ...held.transfer, status: 'cancelled', outcome };
          this.store.finish(held, transfer);
          this.deps.emit({ type: 'transfer.updated', transfer: withoutContent(transfer) });
          return transfer;
        }),
      );
    }
    return ended.map(withoutContent);
  }

  /**
   * Ends every transfer still waiting for a confirmation or an approval (a kiosk's reset: the next
   * person must not find, nor answer, the last one's requests); audited like any cancel.
   */
  async cancelWaiting(actor: string, outcome: string): Promise<number> {
    let ended = 0;
    for (const held of this.store.all()) {
      const { status } = held.transfer;
      if (status !== 'waiting-for-user' && status !== 'waiting-for-approval') continue;
      await this.end(held, 'cancelled', outcome, actor).catch(() => {
        const transfer: Transfer = { ...held.transfer, status: 'cancelled', outcome };
        this.store.finish(held, transfer);
      });
      ended++;
    }
    return ended;
  }

  close(): void {
    this.store.clear();
  }

  // --- steps ---

  private newTransfer(
    kind: Transfer['kind'],
    from: Level,
    to: Level,
    session: Session,
    justification: string | undefined,
    items: Transfer['items'],
  ): Transfer {
    const decision = strictest(items);
    const id = this.store.newId();
    this.requesters.set(id, {
      requesterSession: session.id,
      ...(session.peer ? { requesterUid: session.peer.uid } : {}),
    });
    // The newest ones: enough for every transfer still waiting or delivering.
    for (const old of this.requesters.keys()) {
      if (this.requesters.size <= REQUESTERS_KEPT) break;
      this.requesters.delete(old);
    }
    return {
      id,
      kind,
      from: from.id,
      to: to.id,
      status:
        decision.action === 'ask'
          ? 'waiting-for-user'
          : decision.action === 'approve'
            ? 'waiting-for-approval'
            : 'delivered',
      requester: session.actor,
      ...(justification ? { justification } : {}),
      createdAt: new Date().toISOString(),
      decision,
      items,
    };
  }

  /** allow → deliver now; ask → wait for the user; approve → queue for an administrator. */
  private async route(transfer: Transfer, session: Session, payload: Payload): Promise<Transfer> {
    const held: Held<Payload> = {
      transfer,
      payload,
      requesterSession: session.id,
      ...(session.peer ? { requesterUid: session.peer.uid } : {}),
    };
    if (transfer.decision.action === 'allow') return this.deliver(held, session, 'allowed by rule');
    const settings = this.deps.config().config.broker;
    const seconds =
      transfer.decision.action === 'ask'
        ? settings.askTimeoutSeconds
        : settings.approvalTimeoutSeconds;
    transfer.expiresAt = new Date(Date.now() + seconds * 1000).toISOString();
    await this.audit(transfer, 'transfer.pending', actorOf(session));
    this.store.hold(held, seconds * 1000, (expired) => {
      void this.end(
        expired,
        'expired',
        `expired after ${seconds} s without a decision`,
        'cloisond',
      ).catch(() => {
        // The audit log refused the expiry; the transfer still ends (fail closed: nothing crosses).
      });
    });
    this.deps.emit({ type: 'transfer.updated', transfer: withoutContent(transfer) });
    return withoutContent(transfer);
  }

  private async deny(transfer: Transfer, session: Session, payload: Payload): Promise<never> {
    transfer.status = 'failed';
    transfer.outcome = 'denied';
    await this.audit(transfer, 'transfer.denied', actorOf(session));
    this.store.record({
      transfer,
      payload,
      requesterSession: session.id,
      ...(session.peer ? { requesterUid: session.peer.uid } : {}),
    });
    throw deniedError(transfer);
  }

  private async fail(transfer: Transfer, session: Session, err: unknown): Promise<never> {
    const error =
      err instanceof CloisonError
        ? err
        : new CloisonError('SANITISER_FAILED', `The transfer failed: ${String(err)}.`);
    transfer.status = 'failed';
    transfer.outcome = error.message;
    await this.audit(transfer, 'transfer.failed', actorOf(session), {
      error: error.code,
      ...(typeof error.details.file === 'string' ? { file: error.details.file } : {}),
    });
    throw error;
  }

  /**
   * Delivers a decided transfer. Clipboard: the sanitised items become readable by the requester
   * once the audit entry is durable. Files: delivered complete into Incoming/<source>/, then
   * audited; if the audit log refuses the entry, the delivery is undone (fail closed).
   */
  private async deliver(held: Held<Payload>, session: Session, outcome: string): Promise<Transfer> {
    const actor = actorOf(session);
    const transfer: Transfer = { ...held.transfer, status: 'delivered', outcome };
    const payload = held.payload;
    if (payload.kind === 'clipboard') {
      await this.audit(transfer, 'transfer.delivered', actor);
      transfer.clipboard = payload.items;
      await this.intoTargetClipboard(transfer, payload.items);
    } else {
      // Progress to whoever asked for it and whoever runs it now (a confirmation, an approval).
      const watchers = [held.requesterSession, session.id];
      const controller = new AbortController();
      const run = this.deliverFiles(transfer, payload, actor, watchers, controller.signal, () => {
        running.cancellable = false;
      });
      const running: Running = {
        transfer,
        controller,
        sessions: new Set(watchers),
        caller: session.id,
        cancellable: true,
        ended: run.catch(() => undefined),
      };
      this.running.set(transfer.id, running);
      const delivered = await run.finally(() => this.running.delete(transfer.id));
      if (!delivered) return transfer;
    }
    this.store.finish(held, transfer);
    this.deps.emit({ type: 'transfer.updated', transfer: withoutContent(transfer) });
    return transfer;
  }

  /**
   * A running target level gets the delivered content on its own clipboard (its display's), the
   * text if there is one, else the first item. Audited already: a failure here is reported in the
   * transfer, and the caller still has the content.
   */
  private async intoTargetClipboard(transfer: Transfer, items: ClipboardItem[]): Promise<void> {
    const item = items.find((i) => i.type.startsWith('text/')) ?? items[0];
    if (!this.deps.levels || !item) return;
    try {
      const written = await this.deps.levels.deliverClipboard(transfer.to, {
        type: item.type,
        bytes: Buffer.from(item.data, 'base64'),
      });
      transfer.outcome = `${transfer.outcome ?? 'delivered'}${written ? `; on the clipboard of ${transfer.to}` : `; ${transfer.to} is not running, so nothing was put on its clipboard`}`;
    } catch (err) {
      transfer.outcome = `${transfer.outcome ?? 'delivered'}; writing the clipboard of ${transfer.to} failed: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  private async deliverFiles(
    transfer: Transfer,
    payload: Extract<Payload, { kind: 'file' }>,
    actor: string,
    watchers: readonly string[],
    signal: AbortSignal,
    auditing: () => void,
  ): Promise<boolean> {
    const { config } = this.deps.config();
    const sourceHome = levelHome(this.deps.paths, this.where(transfer.from));
    const targetHome = levelHome(this.deps.paths, this.where(transfer.to));
    const byPath = new Map(payload.files.map((f) => [f.entry.relPath, f]));
    // Before anything is read whole or copied anywhere (Quarantine/ included): a 3 GiB file under a
    // sanitiser's rule is refused on its size alone.
    const tooLarge = oversized(payload.files, config.broker.sanitiserMaxBytes);
    if (tooLarge) {
      transfer.status = 'failed';
      transfer.outcome = tooLarge.message;
      await this.audit(transfer, 'transfer.failed', actor, {
        error: tooLarge.code,
        file: tooLarge.details.file,
      });
      throw tooLarge;
    }
    let kept: Kept | undefined;
    const total = payload.files.reduce((n, f) => n + f.report.size, 0);
    let lastEmit = 0;
    // The audit entry is written once every file is staged and synced, before any is visible.
    const describe = (files: Delivered[]) => {
      transfer.items = transfer.items.map((item) => {
        const d = files.find((x) => x.relPath === item.name);
        return d
          ? { ...item, deliveredAs: d.deliveredAs, ...(d.renamed ? { renamed: d.renamed } : {}) }
          : item;
      });
    };
    let audited = false;
    // Delivered files belong to whoever owns the target home: the level's account when the daemon
    // runs as root (it gave the home to that account), else the daemon's own.
    const home = await stat(targetHome);
    const owner = home.uid !== process.getuid?.() ? { uid: home.uid, gid: home.gid } : undefined;
    const delivered = await deliverFiles(
      payload.files.map((f) => f.entry),
      {
        sourceHome,
        targetHome,
        targetDir: join(targetHome, 'Incoming', transfer.from),
        stagingDir: levelStaging(this.deps.paths, this.where(transfer.to)),
        ...(owner ? { owner } : {}),
        signal,
        beforeVisible: async (planned: Delivered[]) => {
          // A cancel that came while the last file was staged still wins; after this, none does.
          signal.throwIfAborted();
          auditing();
          describe(planned);
          // Every output is staged: the originals of a request about to cross are kept now, and
          // those of a refused one never are (see quarantine.ts).
          kept = await this.quarantine(transfer, payload, sourceHome);
          await this.audit(transfer, 'transfer.delivered', actor);
          audited = true;
        },
        expected: new Map(payload.files.map((f) => [f.entry.relPath, f.report.sha256])),
        maxTransformBytes: config.broker.sanitiserMaxBytes,
        transform: async (entry: SourceEntry, bytes: Uint8Array) => {
          const file = byPath.get(entry.relPath);
          if (!file?.sanitiser) return bytes;
          const context = {
            ...(await this.sanitiseContext(transfer, watchers, file.sanitiser, entry.relPath)),
            signal,
          };
          const out = await sanitiseBytes(
            file.sanitiser,
            bytes,
            file.report.type,
            config.broker,
            context,
          ).catch((err: unknown) => {
            if (signal.aborted) throw signal.reason;
            throw refusedFile(err, entry.relPath, payload.files.length);
          });
          file.report.sanitised = out.report;
          return out.bytes;
        },
        needsTransform: (entry: SourceEntry) => Boolean(byPath.get(entry.relPath)?.sanitiser),
        // Named for what crosses: report.docx made a PDF lands as report.pdf (the audit entry
        // keeps both: the item's name and where it was delivered).
        transformedName: (entry: SourceEntry, wanted: string) => {
          const sanitised = byPath.get(entry.relPath)?.report.sanitised;
          if (!sanitised) return undefined;
          const name = sanitisedName(
            wanted,
            byPath.get(entry.relPath)!.report.type,
            sanitised.type,
          );
          if (name === undefined) return undefined;
          return {
            name,
            note: `${shown(wanted)} was made ${sanitised.type} by ${sanitised.sanitiser.split('@')[0]}, so it was delivered as ${shown(name)}.`,
          };
        },
        onProgress: (done: number) => {
          const now = Date.now();
          if (now - lastEmit < 200 && done < total) return;
          lastEmit = now;
          this.deps.emit({
            type: 'transfer.progress',
            id: transfer.id,
            bytesDone: done,
            bytesTotal: total,
          });
        },
      },
    ).catch(async (caught: unknown) => {
      // Nothing crossed: the originals kept for it go too.
      await kept?.undo().catch(() => undefined);
      if (signal.aborted && caught === signal.reason) {
        transfer.status = 'cancelled';
        transfer.outcome = 'cancelled by the user while it was being sanitised';
        const by = caught instanceof CloisonError ? caught.details.by : undefined;
        await this.audit(transfer, 'transfer.cancelled', typeof by === 'string' ? by : actor);
        this.deps.emit({ type: 'transfer.updated', transfer: withoutContent(transfer) });
        throw caught;
      }
      // The file that stopped the request is named, in the error and in the audit entry.
      const path = caught instanceof CloisonError ? caught.details.path : undefined;
      const err =
        typeof path === 'string' &&
        caught instanceof CloisonError &&
        caught.details.file === undefined &&
        caught.details.quarantine === undefined
          ? refusedFile(caught, path, payload.files.length)
          : caught;
      // Audited as delivered, then failed while being made visible: the removal is audited too.
      transfer.status = 'failed';
      transfer.outcome = err instanceof Error ? err.message : String(err);
      await this.audit(transfer, 'transfer.failed', actor, {
        error: err instanceof CloisonError ? err.code : 'INTERNAL',
        ...(err instanceof CloisonError && typeof err.details.file === 'string'
          ? { file: err.details.file }
          : {}),
      });
      throw err;
    });
    const before = transfer.items.map((i) => i.deliveredAs);
    describe(delivered);
    // An app of the target level took a planned name between the audit and the link: the file got
    // a copy number, and the trail says where it really is.
    if (audited && transfer.items.some((item, i) => item.deliveredAs !== before[i]))
      await this.audit(transfer, 'transfer.renamed', actor).catch(() => undefined);
    if (payload.move)
      await removeSources(
        payload.files.map((f) => f.entry),
        sourceHome,
      );
    return true;
  }

  /**
   * Keeps the originals its rules quarantine in the source level's Quarantine/ folder, once their
   * outputs are staged and before anything crosses; where each went is in the transfer's items (and
   * so in its audit entry). A copy that cannot be made fails the transfer: the rule asked for the
   * original to be kept, so nothing crosses without it.
   */
  private async quarantine(
    transfer: Transfer,
    payload: Extract<Payload, { kind: 'file' }>,
    sourceHome: string,
  ): Promise<Kept | undefined> {
    const originals = payload.files.filter((f) => f.quarantine);
    if (originals.length === 0) return undefined;
    const kept = await keepOriginals(
      originals.map((f) => ({ entry: f.entry, sha256: f.report.sha256 })),
      { sourceHome, stagingDir: levelStaging(this.deps.paths, this.where(transfer.from)) },
    );
    // Set on the items themselves, not on copies: the audit entry written next must have them.
    for (const item of transfer.items) {
      const at = item.name !== undefined ? kept.places.get(item.name) : undefined;
      if (at) item.quarantinedAs = at;
    }
    return kept;
  }

  private async end(
    held: Held<Payload>,
    status: 'cancelled' | 'rejected' | 'expired',
    outcome: string,
    actor: string,
    extra: Record<string, unknown> = {},
  ) {
    const transfer: Transfer = { ...held.transfer, status, outcome };
    await this.audit(transfer, `transfer.${status}`, actor, extra);
    this.store.finish(held, transfer);
    this.deps.emit({ type: 'transfer.updated', transfer: withoutContent(transfer) });
    return transfer;
  }

  private async audit(
    transfer: Transfer,
    event: string,
    actor: string,
    extra: Record<string, unknown> = {},
  ) {
    await this.deps.audit.append(auditRecord(transfer, event, actor, extra));
  }

  /**
   * How the transfer's sanitisers run their compartments, and where their progress goes: page by
   * page to every subscribed session, as `transfer.sanitising` (the shell's progress bar, the CLI).
   */
  private async sanitiseContext(
    transfer: Transfer,
    sessions: readonly string[],
    sanitiser: string,
    name?: string,
  ): Promise<BrokerSanitiseContext> {
    const tell = (progress: {
      sanitiser: string;
      done: number;
      total: number;
      waiting?: number;
    }) => {
      for (const session of new Set(sessions)) {
        this.deps.emit(
          {
            type: 'transfer.sanitising',
            id: transfer.id,
            from: transfer.from,
            to: transfer.to,
            ...(name !== undefined ? { name } : {}),
            ...progress,
          },
          { session },
        );
      }
    };
    const context = await sanitiseContext(this.deps.config(), this.deps.paths.root, (p) =>
      tell({ sanitiser: p.sanitiser, done: p.done, total: p.total }),
    );
    // Queued behind other conversions: said, with how many are ahead, until it starts.
    let waited = false;
    return {
      ...context,
      onWaiting: (ahead) => {
        waited = true;
        tell({ sanitiser, done: 0, total: 0, waiting: ahead });
      },
      onStart: () => {
        if (waited) tell({ sanitiser, done: 0, total: 0 });
      },
    };
  }

  /** Tells the requesting session its transfer's id before anything long runs (see the event). */
  private started(transfer: Transfer, session: Session): void {
    this.deps.emit(
      {
        type: 'transfer.started',
        id: transfer.id,
        kind: transfer.kind,
        from: transfer.from,
        to: transfer.to,
      },
      { session: session.id },
    );
  }

  /**
   * Who may follow a transfer's events: the session that asked and its account's other sessions
   * (the shell shows the confirmation of a transfer the CLI asked for); undefined: unknown id.
   */
  requesterOf(id: string): Requester | undefined {
    return this.requesters.get(id);
  }

  /** Where a level's folders are, by the configuration in force (a held transfer names ids). */
  private where(id: string): LevelWhere {
    return this.deps.config().config.levels.find((l) => l.id === id) ?? { id };
  }

  private ownedBy(id: string, session: Session): Held<Payload> {
    const held = this.store.get(id);
    // Another session's transfer is not found, rather than forbidden: its existence is not shown.
    if (!requestedBy(held, session)) {
      throw new CloisonError('NO_SUCH_TRANSFER', `There is no transfer "${id}".`, { id });
    }
    return held;
  }

  private forApproval(id: string, session: Session): Held<Payload> {
    const held = this.store.get(id);
    this.expectStatus(held, 'waiting-for-approval');
    // Compared in a normal form: "BOB" or "bob " is still bob, and may not approve bob's request.
    if (
      (this.deps.accountsArePeople === true &&
        held.requesterUid !== undefined &&
        session.peer?.uid === held.requesterUid) ||
      held.requesterSession === session.id ||
      sameActor(held.transfer.requester, session.actor) ||
      (session.login && sameActor(held.transfer.requester, session.login.account))
    ) {
      throw new CloisonError(
        'APPROVER_IS_REQUESTER',
        `Transfer "${id}" was requested by ${held.transfer.requester}; someone else must approve it.`,
      );
    }
    return held;
  }

  private expectStatus(held: Held<Payload>, status: Transfer['status']): void {
    if (held.transfer.status === status) return;
    const { id } = held.transfer;
    if (held.transfer.status === 'expired')
      throw new CloisonError('EXPIRED', `Transfer "${id}" has expired.`, { id });
    throw new CloisonError(
      'NO_SUCH_TRANSFER',
      `Transfer "${id}" is ${held.transfer.status}, not ${status}.`,
      { id },
    );
  }
}

/**
 * A held transfer's items decided again by `config`: the new items and decision if any item's
 * action, rule or sanitiser differs from the one it was held under, else undefined.
 */
function redecide(
  held: Held<Payload>,
  config: Config,
): { items: Transfer['items']; decision: Decision } | undefined {
  const { transfer, payload } = held;
  let changed = false;
  const items = transfer.items.map((item, i) => {
    const { decision, rule } = decide(config, {
      kind: transfer.kind,
      from: transfer.from,
      to: transfer.to,
      type: item.type,
      size: item.size,
    });
    const sanitiser =
      payload.kind === 'file' ? payload.files[i]?.sanitiser : item.sanitised?.sanitiser;
    if (
      decision.action !== item.decision.action ||
      decision.ruleId !== item.decision.ruleId ||
      rule?.sanitise !== sanitiser
    )
      changed = true;
    return { ...item, decision };
  });
  return changed ? { items, decision: strictest(items) } : undefined;
}

function withoutContent(transfer: Transfer): Transfer {
  const { clipboard: _content, ...rest } = transfer;
  return rest;
}

/**
 * A transfer is the requester's: its own session's, or another session of the same account (the
 * kernel's word, never a name alone) that gives the same actor name. A session whose account is
 * unknown owns only what it asked itself.
 */
function requestedBy(held: Held<Payload>, session: Session): boolean {
  if (held.requesterSession === session.id) return true;
  return (
    held.requesterUid !== undefined &&
    session.peer?.uid === held.requesterUid &&
    sameActor(held.transfer.requester, session.actor)
  );
}
