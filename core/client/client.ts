// A client of the daemon's API over one of its Unix sockets, typed by the contract. Used by the CLI
// and (later) the shell's main process; answers are validated as they arrive, like any input.
import { connect, type Socket } from 'node:net';
import { CloisonError, ErrorCode } from '../contract/errors.js';
import { methods, type MethodName, type Params, type Result } from '../contract/methods.js';
import { Response } from '../contract/rpc.js';
import { LineFramer } from '../transport/framing.js';

const MAX_ANSWER_BYTES = 512 * 1024 * 1024;

export class DaemonClient {
  private nextId = 1;
  private readonly waiting = new Map<number, (answer: Response) => void>();
  private readonly listeners = new Set<(event: unknown) => void>();
  private readonly closeListeners = new Set<(reason: string) => void>();
  private closedError: CloisonError | undefined;
  /** Restarts the silence timer of each call in flight (see `call`). */
  private readonly silence = new Set<() => void>();

  private constructor(
    private readonly socket: Socket,
    private readonly timeoutMs: number | undefined,
  ) {
    const framer = new LineFramer(MAX_ANSWER_BYTES);
    socket.on('data', (chunk: Buffer) => {
      // A daemon that speaks (an answer, an event such as a conversion's progress) is not hung:
      // each call's silence timer starts again.
      for (const rearm of this.silence) rearm();
      for (const frame of framer.push(chunk)) {
        if (frame.kind === 'message') this.receive(frame.text);
      }
    });
    socket.on('close', () => this.fail('The daemon closed the connection.'));
    socket.on('error', (err) => this.fail(`The connection to the daemon failed: ${err.message}`));
  }

  /**
   * Connects to a socket; a missing or refusing socket is a coded, readable error. With
   * `timeoutMs`, a call the daemon does not answer in time fails (a hung or stopped daemon, or
   * something else listening there), rather than waiting for ever.
   */
  static connect(path: string, options: { timeoutMs?: number } = {}): Promise<DaemonClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(path);
      socket.once('connect', () => resolve(new DaemonClient(socket, options.timeoutMs)));
      socket.once('error', (err: NodeJS.ErrnoException) => {
        const why =
          err.code === 'ENOENT' || err.code === 'ECONNREFUSED'
            ? 'no daemon is listening there (start it with `cloison daemon` or `npm start`)'
            : err.code === 'EACCES'
              ? 'permission denied: this account may not use that socket'
              : err.message;
        reject(
          new CloisonError('INTERNAL', `Cannot reach the daemon at ${path}: ${why}.`, {
            unreachable: true,
          }),
        );
      });
    });
  }

  async call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
    if (this.closedError) throw this.closedError;
    const id = this.nextId++;
    const answer = await new Promise<Response>((resolve, reject) => {
      // The timeout is the daemon's silence, not the call's length: a long conversion whose
      // progress keeps coming is not a daemon that does not answer.
      let timer: NodeJS.Timeout | undefined;
      const arm = () => {
        if (this.timeoutMs === undefined) return;
        clearTimeout(timer);
        timer = setTimeout(() => {
          this.silence.delete(arm);
          this.waiting.delete(id);
          const error = new CloisonError(
            'INTERNAL',
            `The daemon said nothing for ${this.timeoutMs! / 1000} s while ${method} was waiting for its answer.`,
            { unreachable: true },
          );
          this.closedError = error;
          this.socket.destroy();
          reject(error);
        }, this.timeoutMs);
      };
      arm();
      this.silence.add(arm);
      this.waiting.set(id, (r) => {
        clearTimeout(timer);
        this.silence.delete(arm);
        resolve(r);
      });
      this.socket.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
    });
    if ('error' in answer) {
      const code = ErrorCode.safeParse(answer.error.data.code);
      const { code: _code, ...details } = answer.error.data;
      throw new CloisonError(code.success ? code.data : 'INTERNAL', answer.error.message, details);
    }
    const result = methods[method].result.safeParse(answer.result);
    if (!result.success) {
      throw new CloisonError(
        'INTERNAL',
        `The daemon's answer to ${method} does not match the contract.`,
      );
    }
    return result.data as Result<M>;
  }

  /** Events pushed by the daemon once `events.subscribe` was called. */
  onEvent(listener: (event: unknown) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called once when the connection ends, whichever side ended it, with the reason. */
  onClose(listener: (reason: string) => void): void {
    if (this.closedError) listener(this.closedError.message);
    else this.closeListeners.add(listener);
  }

  close(): void {
    this.socket.end();
  }

  private receive(text: string): void {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return this.fail('The daemon sent something that is not JSON.');
    }
    if (raw && typeof raw === 'object' && (raw as { method?: unknown }).method === 'event') {
      for (const listener of this.listeners) listener((raw as { params?: unknown }).params);
      return;
    }
    const answer = Response.safeParse(raw);
    if (!answer.success) return this.fail('The daemon sent an answer that is not JSON-RPC 2.0.');
    const id = answer.data.id;
    const resolve = typeof id === 'number' ? this.waiting.get(id) : undefined;
    if (resolve && typeof id === 'number') {
      this.waiting.delete(id);
      resolve(answer.data);
    } else if ('error' in answer.data) {
      // An error with no id (an oversize or unparseable message): fail the oldest waiting call.
      const first = this.waiting.entries().next();
      if (!first.done) {
        this.waiting.delete(first.value[0]);
        first.value[1](answer.data);
      }
    }
  }

  private fail(message: string): void {
    const first = this.closedError === undefined;
    this.closedError ??= new CloisonError('INTERNAL', message, { unreachable: true });
    if (first) {
      for (const listener of this.closeListeners) listener(this.closedError.message);
      this.closeListeners.clear();
    }
    for (const [id, resolve] of this.waiting) {
      this.waiting.delete(id);
      resolve({
        jsonrpc: '2.0',
        id,
        error: {
          code: -32603,
          message: this.closedError.message,
          data: { code: 'INTERNAL', unreachable: true },
        },
      });
    }
    this.socket.destroy();
  }
}
