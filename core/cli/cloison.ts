#!/usr/bin/env node
// cloison, the command line over the daemon's API: the same contract as the shell, for people at a
// terminal and for scripts (--json, stable exit codes). Checks that need no daemon run locally.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { hashPassphrase } from '../admin/passphrase.js';
import { DaemonClient } from '../client/client.js';
import { defaultConfigFile, loadConfig } from '../config/index.js';
import { formatDiff } from '../config/diff.js';
import { MimeType } from '../contract/config.js';
import { CloisonError } from '../contract/errors.js';
import { resolveLevels } from '../broker/steps.js';
import { Event, type AppProcess, type AuditEntry } from '../contract/methods.js';
import { explain, unreachableRules } from '../policy/index.js';
import { verifyAudit } from '../audit/index.js';
import { HEAD_FILE } from '../audit/store.js';
import { defaultRunDir, defaultStateDir, statePaths } from '../state/paths.js';
import { toCsv } from '../contract/audit-csv.js';
import {
  count,
  describeTransfer,
  exitCodeFor,
  exitCodeForTransfer,
  exitCodes,
  printable,
  UsageError,
} from './output.js';

const help = `usage: cloison [global options] <command> [options]

commands:
  status                                  the daemon's version, configuration and audit state
  levels                                  the levels and their apps
  levels start|stop L, levels status [L], levels log L [-n N]    run a level's display and compartments
  apps [list] | apps launch --level L APP | apps stop --level L ID
  run --level L -- PROGRAM [ARG…]         run any command in a level's compartment (admin socket)
  clip send --from A --to B [--type T]    send stdin's content (or, with nothing piped in or with
                                          --from-clipboard, A's clipboard); B's content goes to stdout
  files send --from A --to B [--move] PATH…   send files of A's home to B's Incoming/A/
  transfers [list|show ID|confirm ID|cancel ID]
  approvals [list|approve ID --reason R|reject ID --reason R]     (admin socket)
  rules show [--version N] | rules history      the configuration in force, and its applied versions
  rules check FILE | rules apply FILE --reason R | rules edit [--reason R]
                                          validate with the daemon's own checks, show the diff, apply
  rules rollback N --reason R             put version N back in force
  rules replay FILE [-n N]                the last N transfers whose decision FILE would change
  rules explain [FILE] --kind K --from A --to B --type T --size N   decided by FILE (a candidate)
  policy check [FILE] [--rules-dir DIR]   validate a configuration; warn about unreachable rules
  policy explain --kind K --from A --to B --type T --size N [--config FILE]
  audit verify [--dir DIR]                check the whole hash chain
  audit tail [-n N]                       the last entries
  audit export [--since ISO] [--until ISO] [--csv]   entries as JSON Lines (or CSV)
  audit search [--since ISO] [--until ISO] [--level L] [--kind K] [--decision D] [--rule R]
               [--by ACTOR] [--event E] [--limit N] [--csv]   the newest matching entries
  reload                                  make the daemon re-read its configuration (admin socket)
  whoami                                  this connection's socket, actor and login
  admins hash                             a passphrase hash for administration.accounts (the
                                          passphrase from the terminal, or stdin's first line)
  daemon [cloisond options]               run the daemon in the foreground

global options:
  --state DIR    the daemon's state folder (default: $CLOISON_STATE, else $XDG_STATE_HOME/cloison)
  --run DIR      the daemon's sockets' folder (default: $CLOISON_RUN, else run/ in the state folder)
  --actor NAME   who you are, as the audit log records it (default: your account name)
  --json         machine-readable output
  --justification TEXT   why, for transfers an administrator must approve
  --timeout SECONDS      give up on a daemon that does not answer (default 120)
  --login ACCOUNT        open an administrator's or auditor's session on the user socket (the
                         shell's step) for this command; the passphrase is read from the terminal,
                         or from the first line of stdin

exit codes: 0 done, 1 error, 2 usage, 3 denied by a rule, 4 waiting for confirmation or approval,
5 daemon unreachable, 6 check failed (invalid configuration, broken audit chain),
7 audit log unavailable (the broker refuses transfers)`;

interface Globals {
  state: string;
  actor: string;
  json: boolean;
  justification?: string;
  timeoutSeconds: number;
  login?: string;
  /** The sockets' folder, when not the state folder's run/ (a system install's /run/cloison). */
  run?: string;
}

type Out = { stdout: (s: string | Uint8Array) => void; stderr: (s: string) => void };
const out: Out = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
};

function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** For a command that takes nothing: an extra word or option is a mistake, not ignored. */
function noArguments(command: string, args: string[]): void {
  if (args.length > 0) throw new UsageError(`${command} takes no arguments (got ${args[0]})`);
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`${flag} is required`);
  return value;
}

async function connect(g: Globals, role: 'user' | 'admin'): Promise<DaemonClient> {
  const paths = statePaths(g.state, g.run ? { run: g.run } : {});
  // A login is the shell's step, taken on the user socket; without one, administration goes
  // through the admin socket, whose file permissions are the gate.
  const socket = role === 'user' || g.login ? paths.userSocket : paths.adminSocket;
  const passphrase = g.login ? await readPassphrase(`Passphrase for ${g.login}: `) : undefined;
  const client = await DaemonClient.connect(socket, { timeoutMs: g.timeoutSeconds * 1000 });
  try {
    await client.call('session.hello', { actor: g.actor, client: 'cloison' });
    if (g.login && passphrase !== undefined) {
      await client.call('session.login', { account: g.login, passphrase });
    }
  } catch (err) {
    client.close();
    throw err;
  }
  return client;
}

/** The text after $VISUAL or $EDITOR (else vi) changed a temporary copy of it. */
async function editText(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cloison-rules-'));
  const file = join(dir, 'config.yaml');
  try {
    await writeFile(file, text, { mode: 0o600 });
    const editor = process.env.VISUAL || process.env.EDITOR || 'vi';
    // The editor is the person's own choice of command, run as they would run it (with its
    // arguments, as a shell splits them), on a file name this command made.
    const code = await new Promise<number>((done) => {
      const child = spawn('/bin/sh', ['-c', `${editor} "$1"`, 'editor', file], {
        stdio: 'inherit',
      });
      child.once('exit', (c) => done(c ?? 1));
      child.once('error', () => done(127));
    });
    if (code !== 0)
      throw new UsageError(`the editor (${editor}) exited with status ${code}: nothing applied`);
    return await readFile(file, 'utf8');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Why, for the audit log: asked on a terminal; required as --reason elsewhere. */
async function askReason(): Promise<string> {
  if (!process.stdin.isTTY) throw new UsageError('--reason is required');
  process.stderr.write('Reason for this change: ');
  for await (const line of createInterface({ input: process.stdin })) return line;
  throw new UsageError('--reason is required');
}

/** A passphrase: typed without echo on a terminal, else the first line of stdin. */
async function readPassphrase(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    const text = (await readStdin(4096)).toString('utf8');
    const line = text.split(/\r?\n/)[0] ?? '';
    if (!line) throw new UsageError('no passphrase on stdin');
    return line;
  }
  process.stderr.write(prompt);
  process.stdin.setRawMode(true);
  try {
    let typed = '';
    for await (const chunk of process.stdin) {
      for (const ch of (chunk as Buffer).toString('utf8')) {
        if (ch === '\r' || ch === '\n') return typed;
        if (ch === '\u0003') throw new UsageError('cancelled');
        if (ch === '\u007f') typed = typed.slice(0, -1);
        else typed += ch;
      }
    }
    return typed;
  } finally {
    process.stdin.setRawMode(false);
    process.stderr.write('\n');
  }
}

async function withClient<T>(
  g: Globals,
  role: 'user' | 'admin',
  fn: (c: DaemonClient) => Promise<T>,
): Promise<T> {
  const client = await connect(g, role);
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

/**
 * Tells the sanitisers' progress on stderr, one line per page ("report.pdf: pdf-rasterise, page 3
 * of 14"), of one transfer only, by its id: `id` when the command names it (transfers confirm),
 * else the id of the first `transfer.started` on this connection, which carries this command's one
 * request (files send). Quiet with --json: stdout stays one JSON document.
 */
async function showProgress(g: Globals, client: DaemonClient, id?: string): Promise<void> {
  if (g.json) return;
  let mine = id;
  client.onEvent((raw) => {
    const parsed = Event.safeParse(raw);
    if (!parsed.success) return;
    const e = parsed.data;
    if (e.type === 'transfer.started') mine ??= e.id;
    if (e.type !== 'transfer.sanitising' || e.id !== mine) return;
    const what = e.name !== undefined ? `${printable(e.name)}: ` : '';
    if (e.waiting !== undefined) {
      out.stderr(
        `${what}${printable(e.sanitiser)} waits for a free conversion slot (${e.waiting} ahead)\n`,
      );
    } else if (e.done > 0) {
      out.stderr(`${what}${printable(e.sanitiser)}, page ${e.done} of ${e.total}\n`);
    }
  });
  await client.call('events.subscribe', {});
}

/**
 * Ctrl+C (or SIGTERM) while this connection's transfer runs cancels it in the daemon, rather than
 * leaving its conversion running: the transfer's id is `id` when the command names it, else the
 * first `transfer.started` of this connection (an interrupt before it arrives cancels it then).
 * The pending call then fails with CANCELLED. A second interrupt leaves at once.
 */
async function cancelOnInterrupt(client: DaemonClient, id?: string): Promise<() => void> {
  let mine = id;
  let interrupted = false;
  const cancel = () => {
    if (mine === undefined) return;
    out.stderr(`cloison: cancelling transfer ${printable(mine)}…\n`);
    client.call('transfers.cancel', { id: mine }).catch((err: unknown) => {
      out.stderr(`cloison: ${err instanceof Error ? err.message : String(err)}\n`);
    });
  };
  client.onEvent((raw) => {
    const parsed = Event.safeParse(raw);
    if (!parsed.success || parsed.data.type !== 'transfer.started' || mine !== undefined) return;
    mine = parsed.data.id;
    if (interrupted) cancel();
  });
  await client.call('events.subscribe', {});
  const onSignal = () => {
    if (interrupted) process.exit(exitCodes.interrupted);
    interrupted = true;
    cancel();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

function print(g: Globals, value: unknown, human: () => string): void {
  out.stdout(g.json ? JSON.stringify(value, null, 2) + '\n' : human() + '\n');
}

async function readStdin(limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    // Refused whole, never truncated.
    if (size > limit)
      throw new CloisonError('TOO_LARGE', `The content on stdin is over ${limit} bytes.`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

const commands: Record<string, (g: Globals, args: string[]) => Promise<number>> = {
  async status(g, args) {
    noArguments('status', args);
    const status = await withClient(g, 'user', (c) => c.call('daemon.status', {}));
    print(g, status, () =>
      [
        `cloisond ${status.version} (pid ${status.pid}), state ${status.stateDir}`,
        `configuration ${status.config.source}, sha256 ${status.config.digest.slice(0, 16)}…, loaded ${status.config.loadedAt}`,
        status.audit.available
          ? `audit log: writable, ${count(status.audit.lastSeq, 'entry', 'entries')}`
          : `audit log: UNAVAILABLE (${status.audit.reason ?? 'unknown'}): transfers are refused`,
      ].join('\n'),
    );
    return exitCodes.ok;
  },

  async levels(g, args) {
    const [verb, level] = args;
    if (verb !== undefined) return levelVerb(g, verb, level, args.slice(2));
    const { levels } = await withClient(g, 'user', (c) => c.call('levels.list', {}));
    print(g, { levels }, () =>
      levels
        .map(
          (l) =>
            `${l.id.padEnd(12)} rank ${l.rank}  ${l.label} ${l.colour} network ${l.network}${l.ephemeral ? ', ephemeral' : ''}\n` +
            l.apps.map((a) => `  ${a.id} (${a.type}): ${a.label}`).join('\n'),
        )
        .join('\n'),
    );
    return exitCodes.ok;
  },

  async clip(g, args) {
    const { positionals, values } = parse(args, {
      from: { type: 'string' },
      to: { type: 'string' },
      type: { type: 'string', default: 'text/plain' },
      'from-clipboard': { type: 'boolean', default: false },
    });
    if (positionals[0] !== 'send')
      throw new UsageError('usage: cloison clip send --from A --to B [--type T]');
    const from = required(values.from, '--from');
    const to = required(values.to, '--to');
    // Content on stdin when something is piped in; else what level A's clipboard holds (its
    // display's), read by the daemon.
    const fromDisplay = values['from-clipboard'] || process.stdin.isTTY;
    const items = fromDisplay
      ? undefined
      : [
          {
            type: values.type ?? 'text/plain',
            data: (await readStdin(24 * 1024 * 1024)).toString('base64'),
          },
        ];
    const transfer = await withClient(g, 'user', (c) =>
      c.call('clipboard.send', {
        from,
        to,
        ...(items ? { items } : {}),
        ...(g.justification ? { justification: g.justification } : {}),
      }),
    );
    return printClipboardResult(g, transfer);
  },

  async files(g, args) {
    const { positionals, values } = parse(args, {
      from: { type: 'string' },
      to: { type: 'string' },
      move: { type: 'boolean', default: false },
    });
    if (positionals[0] !== 'send' || positionals.length < 2) {
      throw new UsageError('usage: cloison files send --from A --to B [--move] PATH…');
    }
    const from = required(values.from, '--from');
    const to = required(values.to, '--to');
    const transfer = await withClient(g, 'user', async (c) => {
      await showProgress(g, c);
      const stop = await cancelOnInterrupt(c);
      return c
        .call('files.send', {
          from,
          to,
          paths: positionals.slice(1),
          move: values.move ?? false,
          ...(g.justification ? { justification: g.justification } : {}),
        })
        .finally(stop);
    });
    print(g, transfer, () => describeTransfer(transfer));
    return exitCodeForTransfer(transfer);
  },

  async transfers(g, args) {
    const { positionals } = parse(args, {});
    if (positionals.length > 2) throw new UsageError(`unexpected argument ${positionals[2]}`);
    const [verb = 'list', id] = positionals;
    if (verb === 'list') {
      const { transfers } = await withClient(g, 'user', (c) => c.call('transfers.list', {}));
      print(g, { transfers }, () =>
        transfers.length ? transfers.map(describeTransfer).join('\n') : 'no transfers',
      );
      return exitCodes.ok;
    }
    if (!id || !['show', 'confirm', 'cancel'].includes(verb)) {
      throw new UsageError('usage: cloison transfers [list|show ID|confirm ID|cancel ID]');
    }
    const method =
      verb === 'show'
        ? 'transfers.get'
        : verb === 'confirm'
          ? 'transfers.confirm'
          : 'transfers.cancel';
    const transfer = await withClient(g, 'user', async (c) => {
      if (verb !== 'confirm') return c.call(method, { id });
      await showProgress(g, c, id);
      const stop = await cancelOnInterrupt(c, id);
      return c.call(method, { id }).finally(stop);
    });
    if (transfer.kind === 'clipboard' && verb !== 'cancel')
      return printClipboardResult(g, transfer);
    print(g, transfer, () => describeTransfer(transfer));
    return verb === 'cancel' ? exitCodes.ok : exitCodeForTransfer(transfer);
  },

  async approvals(g, args) {
    const { positionals, values } = parse(args, { reason: { type: 'string' } });
    const [verb = 'list', id] = positionals;
    if (verb === 'list') {
      const { approvals } = await withClient(g, 'admin', (c) => c.call('approvals.list', {}));
      print(g, { approvals }, () =>
        approvals.length
          ? approvals
              .map(
                (t) =>
                  describeTransfer(t) +
                  `\n  requested by ${printable(t.requester)}${t.justification ? `: “${printable(t.justification)}”` : ''}`,
              )
              .join('\n')
          : 'no transfer is waiting for approval',
      );
      return exitCodes.ok;
    }
    if (!id || (verb !== 'approve' && verb !== 'reject')) {
      throw new UsageError(
        'usage: cloison approvals [list|approve ID --reason R|reject ID --reason R]',
      );
    }
    const reason = required(values.reason, '--reason');
    const transfer = await withClient(g, 'admin', (c) =>
      c.call(verb === 'approve' ? 'approvals.approve' : 'approvals.reject', { id, reason }),
    );
    print(g, transfer, () => describeTransfer(transfer));
    return exitCodes.ok;
  },

  async rules(g, args) {
    const { positionals, values } = parse(args, {
      reason: { type: 'string' },
      version: { type: 'string' },
      n: { type: 'string', short: 'n', default: '100' },
      kind: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      type: { type: 'string' },
      size: { type: 'string' },
    });
    const [verb = 'show', arg] = positionals;
    const usage =
      'usage: cloison rules [show [--version N]|history|check FILE|apply FILE --reason R|edit [--reason R]|rollback N --reason R|replay FILE [-n N]|explain [FILE] …]';
    if (positionals.length > 2) throw new UsageError(usage);
    const number = (text: string | undefined, what: string) => {
      const n = Number(text);
      if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${what} is a positive number`);
      return n;
    };
    const readText = async (file: string | undefined) => {
      if (!file) throw new UsageError(usage);
      return readFile(resolve(file), 'utf8').catch((err: NodeJS.ErrnoException) => {
        throw new UsageError(`cannot read ${file}: ${err.code ?? err.message}`);
      });
    };
    return withClient(g, 'admin', async (c) => {
      if (verb === 'show') {
        if (values.version) {
          const v = await c.call('config.version', {
            version: number(values.version, '--version'),
          });
          print(g, v, () => v.text.replace(/\n$/, ''));
        } else {
          const shown = await c.call('config.show', {});
          // The first line says which configuration the text is: `rules apply` of an edited copy
          // is refused if the configuration changed since (another administrator's change).
          print(g, shown, () => `${BASED_ON}${shown.digest}\n${shown.text.replace(/\n$/, '')}`);
        }
        return exitCodes.ok;
      }
      if (verb === 'history') {
        const { versions } = await c.call('config.history', {});
        print(g, { versions }, () =>
          versions.length
            ? versions
                .map(
                  (v) =>
                    `${v.version}  ${v.time}  ${printable(v.actor)}  rules ${v.rulesDigest.slice(0, 12)}…  ${printable(v.reason)}`,
                )
                .join('\n')
            : 'no version was applied through the daemon yet',
        );
        return exitCodes.ok;
      }
      if (verb === 'check' || verb === 'apply' || verb === 'edit') {
        const shown = await c.call('config.show', {});
        const written = verb === 'edit' ? await editText(shown.text) : await readText(arg);
        const { text, basedOn } = basedOnLine(written);
        if (verb === 'apply' && basedOn === undefined)
          out.stderr(
            `warning: ${printable(arg ?? '')} does not say which configuration it was edited from (no "${BASED_ON.trim()}" first line, as \`cloison rules show\` writes): a change made since by someone else is overwritten\n`,
          );
        const checked = await c.call('config.validate', { text });
        if (!checked.valid) {
          out.stderr(
            checked.problems
              .map(
                (p) =>
                  `${p.file}:${p.line}:${p.column}: ${p.path ? `${p.path}: ` : ''}${printable(p.message)}`,
              )
              .join('\n') + '\n',
          );
          out.stderr('the configuration in force is unchanged\n');
          return exitCodes.checkFailed;
        }
        for (const w of checked.warnings) out.stderr(`warning: ${printable(w)}\n`);
        const diff = formatDiff(checked.diff);
        if (verb === 'check' || !diff) {
          print(g, checked, () => (diff ? diff : 'no change'));
          return exitCodes.ok;
        }
        if (!g.json) out.stdout(`${diff.split('\n').map(printable).join('\n')}\n`);
        const reason = values.reason ?? (await askReason());
        const applied = await c.call('config.apply', {
          text,
          reason,
          basedOn: verb === 'edit' ? shown.digest : (basedOn ?? shown.digest),
        });
        print(
          g,
          applied,
          () =>
            `applied as version ${applied.version.version}: rules ${applied.previousRulesDigest.slice(0, 12)}… → ${applied.version.rulesDigest.slice(0, 12)}…`,
        );
        return exitCodes.ok;
      }
      if (verb === 'rollback') {
        const version = number(arg, 'the version');
        const applied = await c.call('config.rollback', {
          version,
          reason: required(values.reason, '--reason'),
        });
        print(
          g,
          applied,
          () => `version ${version} is in force again, as version ${applied.version.version}`,
        );
        return exitCodes.ok;
      }
      if (verb === 'replay') {
        const result = await c.call('config.replay', {
          text: await readText(arg),
          count: number(values.n, '-n'),
        });
        print(g, result, () =>
          [
            `${count(result.replayed, 'transfer')} replayed, ${result.changed.length} would be decided otherwise`,
            ...result.changed.map(
              (t) =>
                `  ${t.transfer} ${t.time} ${t.kind} ${t.from}→${t.to} ${t.types.join(', ')}: ${t.before.action} (${t.before.ruleId}) → ${t.after.action} (${t.after.ruleId})`,
            ),
          ].join('\n'),
        );
        return exitCodes.ok;
      }
      if (verb === 'explain') {
        const size = Number(required(values.size, '--size'));
        const kind = required(values.kind, '--kind');
        if (kind !== 'clipboard' && kind !== 'file')
          throw new UsageError('--kind is clipboard or file');
        if (!Number.isSafeInteger(size) || size < 0)
          throw new UsageError('--size is a number of bytes');
        const answer = await c.call('config.dryRun', {
          ...(arg ? { text: await readText(arg) } : {}),
          transfer: {
            kind,
            from: required(values.from, '--from'),
            to: required(values.to, '--to'),
            type: required(values.type, '--type'),
            size,
          },
        });
        print(g, answer, () => answer.explanation);
        return exitCodes.ok;
      }
      throw new UsageError(usage);
    });
  },

  async policy(g, args) {
    const { positionals, values } = parse(args, {
      'rules-dir': { type: 'string' },
      config: { type: 'string' },
      kind: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      type: { type: 'string' },
      size: { type: 'string' },
    });
    const [verb, file] = positionals;
    if (verb === 'check') {
      const path = resolve(
        file ?? values.config ?? process.env.CLOISON_CONFIG ?? defaultConfigFile,
      );
      const loaded = await loadConfig(
        path,
        values['rules-dir'] ? { rulesDir: resolve(values['rules-dir']) } : {},
      );
      // loadConfig already warns about unreachable rules, with file:line; the list is for --json.
      const unreachable = unreachableRules(loaded.config);
      const { warnings } = loaded;
      print(g, { ok: true, file: path, digest: loaded.digest, warnings, unreachable }, () =>
        [
          `${path}: valid (${count(loaded.config.levels.length, 'level')}, ${count(loaded.config.rules.length, 'rule')})`,
          ...warnings.map((w) => `warning: ${w}`),
        ].join('\n'),
      );
      return exitCodes.ok;
    }
    if (verb === 'explain') {
      const request = {
        kind: required(values.kind, '--kind') as 'clipboard' | 'file',
        from: required(values.from, '--from'),
        to: required(values.to, '--to'),
        type: required(values.type, '--type'),
        size: Number(required(values.size, '--size')),
      };
      if (!Number.isSafeInteger(request.size) || request.size < 0)
        throw new UsageError('--size is a number of bytes');
      if (request.kind !== 'clipboard' && request.kind !== 'file')
        throw new UsageError('--kind is clipboard or file');
      if (!MimeType.safeParse(request.type).success)
        throw new UsageError('--type is a MIME type such as text/plain or image/png');
      // With --config, the given file decides; without, the rules in force in the daemon.
      if (values.config) {
        const loaded = await loadConfig(resolve(values.config));
        resolveLevels(loaded.config, request.from, request.to);
        const text = explain(loaded.config, request, loaded.origins);
        print(g, { request, explanation: text }, () => text);
        return exitCodes.ok;
      }
      const answer = await withClient(g, 'user', (c) => c.call('policy.explain', request));
      print(g, answer, () => answer.explanation);
      return exitCodes.ok;
    }
    throw new UsageError(
      'usage: cloison policy check [FILE] | policy explain --kind K --from A --to B --type T --size N',
    );
  },

  async audit(g, args) {
    const { positionals, values } = parse(args, {
      dir: { type: 'string' },
      n: { type: 'string', short: 'n', default: '20' },
      since: { type: 'string' },
      until: { type: 'string' },
      csv: { type: 'boolean', default: false },
      level: { type: 'string' },
      kind: { type: 'string' },
      decision: { type: 'string' },
      rule: { type: 'string' },
      // Not --actor: that is the global option saying who *you* are (it would be taken as that).
      by: { type: 'string' },
      event: { type: 'string' },
      limit: { type: 'string', default: '1000' },
    });
    const [verb] = positionals;
    if (verb === 'search') {
      const limit = Number(values.limit);
      if (!Number.isSafeInteger(limit) || limit < 1)
        throw new UsageError('--limit is a positive number');
      const pick = (key: 'since' | 'until' | 'level' | 'kind' | 'decision' | 'rule' | 'event') =>
        values[key] !== undefined ? { [key]: values[key] } : {};
      const result = await withClient(g, 'admin', (c) =>
        c.call('audit.search', {
          ...pick('since'),
          ...pick('until'),
          ...pick('level'),
          ...pick('kind'),
          ...pick('decision'),
          ...pick('rule'),
          ...(values.by !== undefined ? { actor: values.by } : {}),
          ...pick('event'),
          limit,
        } as Parameters<typeof c.call<'audit.search'>>[1]),
      );
      printEntries(g, result.entries, values.csv ?? false, true);
      if (result.more && !g.json && !values.csv)
        out.stderr(`(only the newest ${limit} matching entries; --limit for more)\n`);
      return exitCodes.ok;
    }
    if (verb === 'verify') {
      // Reads the files directly (no daemon needed): a verifier must not trust the daemon.
      const dir = resolve(values.dir ?? statePaths(g.state).audit);
      const report = await verifyAudit(dir);
      print(g, report, () =>
        report.ok
          ? `audit log ${dir}: chain intact, ${count(report.entries, 'entry', 'entries')} in ${count(report.segments, 'segment')}`
          : report.firstBad?.problem === 'absent'
            ? `${dir}: there is no audit log here (no ${HEAD_FILE}, no segment); check --state or --dir`
            : `audit log ${dir}: BROKEN at ${report.firstBad?.segment} line ${report.firstBad?.line}` +
              `${report.firstBad?.seq !== undefined ? ` (seq ${report.firstBad.seq})` : ''}: ${report.firstBad?.problem}`,
      );
      return report.ok ? exitCodes.ok : exitCodes.checkFailed;
    }
    if (verb === 'tail') {
      const count = Number(values.n);
      if (!Number.isSafeInteger(count) || count < 1)
        throw new UsageError('-n is a positive number');
      const { entries } = await withClient(g, 'admin', (c) => c.call('audit.tail', { count }));
      printEntries(g, entries, false);
      return exitCodes.ok;
    }
    if (verb === 'export') {
      const { entries } = await withClient(g, 'admin', (c) =>
        c.call('audit.export', {
          ...(values.since ? { since: values.since } : {}),
          ...(values.until ? { until: values.until } : {}),
        }),
      );
      printEntries(g, entries, values.csv ?? false, true);
      return exitCodes.ok;
    }
    throw new UsageError(
      'usage: cloison audit verify|tail [-n N]|export [--since ISO] [--until ISO] [--csv]|search [filters]',
    );
  },

  async apps(g, args) {
    const { positionals, values } = parse(args, { level: { type: 'string' } });
    const [verb = 'list', target] = positionals;
    if (verb === 'list') {
      const { levels } = await withClient(g, 'user', (c) =>
        c.call('levels.status', values.level ? { level: values.level } : {}),
      );
      const apps = levels.flatMap((l) => l.apps);
      print(g, { apps }, () => apps.map(describeApp).join('\n') || 'no app is running');
      return exitCodes.ok;
    }
    if ((verb !== 'launch' && verb !== 'stop') || !target) {
      throw new UsageError(
        'usage: cloison apps [list [--level L]|launch --level L APP|stop --level L ID]',
      );
    }
    const level = required(values.level, '--level');
    const app = await withClient(g, 'user', (c) =>
      verb === 'launch'
        ? c.call('apps.launch', { level, app: target })
        : c.call('apps.stop', { level, id: target }),
    );
    print(g, app, () => describeApp(app));
    return exitCodes.ok;
  },

  async run(g, args) {
    const dash = args.indexOf('--');
    const { values, positionals } = parse(dash >= 0 ? args.slice(0, dash) : args, {
      level: { type: 'string' },
    });
    const argv = dash >= 0 ? args.slice(dash + 1) : positionals;
    if (argv.length === 0) throw new UsageError('usage: cloison run --level L -- PROGRAM [ARG…]');
    const level = required(values.level, '--level');
    const app = await withClient(g, 'admin', (c) => c.call('compartments.run', { level, argv }));
    print(g, app, () => describeApp(app));
    return exitCodes.ok;
  },

  async whoami(g, args) {
    noArguments('whoami', args);
    const who = await withClient(g, g.login ? 'admin' : 'user', (c) =>
      c.call('session.whoami', {}),
    );
    print(g, who, () =>
      [
        `session ${who.session} on the ${who.socket} socket, as ${printable(who.actor)}` +
          (who.peer
            ? `; the kernel says: uid ${who.peer.uid}, gid ${who.peer.gid}, pid ${who.peer.pid}`
            : ''),
        who.login
          ? `logged in as ${printable(who.login.account)} (${who.login.role}) since ${who.login.openedAt}; closes after ${who.login.idleMinutes} idle minutes`
          : 'no administrator’s or auditor’s login',
      ].join('\n'),
    );
    return exitCodes.ok;
  },

  async admins(g, args) {
    const { positionals } = parse(args, {});
    if (positionals[0] !== 'hash' || positionals.length > 1)
      throw new UsageError('usage: cloison admins hash');
    const passphrase = await readPassphrase('New passphrase: ');
    if (process.stdin.isTTY && (await readPassphrase('Again: ')) !== passphrase)
      throw new UsageError('the two passphrases differ');
    if ([...passphrase].length < 12)
      throw new UsageError('a passphrase has at least 12 characters');
    const hash = await hashPassphrase(passphrase);
    print(g, { hash }, () => hash);
    return exitCodes.ok;
  },

  async reload(g, args) {
    noArguments('reload', args);
    const result = await withClient(g, 'admin', (c) => c.call('config.reload', {}));
    print(g, result, () =>
      [
        `configuration reloaded: ${count(result.levels, 'level')}, ${count(result.rules, 'rule')}, sha256 ${result.digest.slice(0, 16)}…`,
        ...result.warnings.map((w) => `warning: ${w}`),
      ].join('\n'),
    );
    return exitCodes.ok;
  },

  async daemon(g, args) {
    const script = fileURLToPath(new URL('../daemon/cloisond.js', import.meta.url));
    const child = spawn(process.execPath, [script, '--state', g.state, ...args], {
      stdio: 'inherit',
    });
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
      process.on(signal, () => child.kill(signal));
    return new Promise((done) => child.on('exit', (code) => done(code ?? exitCodes.error)));
  },
};

function describeApp(a: AppProcess): string {
  const ended = a.exitCode !== undefined ? `, exit status ${a.exitCode}` : '';
  return `${a.id}  ${a.level}  ${a.app ?? '(run)'}  ${a.state}${ended}  pid ${a.pid ?? '?'} (${a.pidInLevel} in the level)  ${a.argv.join(' ')}`;
}

async function levelVerb(g: Globals, verb: string, level: string | undefined, rest: string[]) {
  const usage = 'usage: cloison levels [start L|stop L|status [L]|log L [-n N]]';
  if (verb !== 'log' && rest.length > 0) throw new UsageError(`unexpected argument ${rest[0]}`);
  if (verb === 'status') {
    const { levels } = await withClient(g, 'user', (c) =>
      c.call('levels.status', level ? { level } : {}),
    );
    print(g, { levels }, () =>
      levels
        .map(
          (l) =>
            `${l.level.padEnd(12)} ${l.running ? `running since ${l.startedAt ?? '?'}, ${count(l.apps.length, 'app')}` : 'stopped'}` +
            l.apps.map((a) => `\n  ${describeApp(a)}`).join(''),
        )
        .join('\n'),
    );
    return exitCodes.ok;
  }
  if (!level || !['start', 'stop', 'log'].includes(verb)) throw new UsageError(usage);
  if (verb === 'log') {
    const { values } = parse(rest, { n: { type: 'string', short: 'n', default: '100' } });
    const count = Number(values.n);
    if (!Number.isInteger(count) || count < 1) throw new UsageError('-n needs a positive number');
    const log = await withClient(g, 'user', (c) => c.call('levels.log', { level, count }));
    // A level's apps wrote these lines: escaped, so that they cannot move the cursor, fake a line
    // of the daemon's or set the terminal's clipboard (OSC 52).
    print(g, log, () =>
      [
        ...(log.running ? [] : [`(level ${level} is not running; the lines of its last run)`]),
        ...log.lines.map((l) => `${l.time} ${printable(l.source)}: ${printable(l.text)}`),
      ].join('\n'),
    );
    return exitCodes.ok;
  }
  const state = await withClient(g, 'user', (c) =>
    c.call(verb === 'start' ? 'levels.start' : 'levels.stop', { level }),
  );
  print(g, state, () => `${state.level}: ${state.running ? 'running' : 'stopped'}`);
  return exitCodes.ok;
}

function printClipboardResult(
  g: Globals,
  transfer: Parameters<typeof describeTransfer>[0],
): number {
  if (g.json) {
    out.stdout(JSON.stringify(transfer, null, 2) + '\n');
  } else if (transfer.status === 'delivered' && transfer.clipboard?.[0]) {
    out.stdout(Buffer.from(transfer.clipboard[0].data, 'base64'));
    out.stderr(
      `delivered to ${transfer.to} by rule ${transfer.decision.ruleId} (${transfer.id})\n`,
    );
  } else {
    out.stderr(describeTransfer(transfer) + '\n');
  }
  return exitCodeForTransfer(transfer);
}

const BASED_ON = '# cloison-based-on: ';

/** A text as `rules show` wrote it: the digest it was shown from, and the configuration itself. */
function basedOnLine(written: string): { text: string; basedOn?: string } {
  const match = /^# cloison-based-on: ([0-9a-f]{64})\r?\n/u.exec(written);
  return match ? { text: written.slice(match[0].length), basedOn: match[1]! } : { text: written };
}

function printEntries(g: Globals, entries: AuditEntry[], csv: boolean, lines = false): void {
  if (csv) return out.stdout(toCsv(entries));
  if (g.json || lines)
    return out.stdout(
      entries.map((e) => JSON.stringify(e)).join('\n') + (entries.length ? '\n' : ''),
    );
  // Every field may carry what an actor or a level chose: escaped, so no line can be forged.
  for (const e of entries) {
    const what = [
      e.event,
      e.kind,
      e.from && e.to ? `${String(e.from)}→${String(e.to)}` : undefined,
      e.decision,
      e.rule,
    ]
      .filter((x) => x !== undefined)
      .map(printable)
      .join(' ');
    out.stdout(
      `${e.seq} ${printable(e.time)} ${printable(e.actor)}: ${what}${e.reason ? ` — ${printable(e.reason)}` : ''}\n`,
    );
  }
}

async function main(argv: string[]): Promise<number> {
  const globals: Globals = {
    state: defaultStateDir(),
    actor: userInfo().username,
    json: false,
    timeoutSeconds: 120,
    ...(defaultRunDir() ? { run: defaultRunDir()! } : {}),
  };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const takeValue = () => {
      const value = argv[++i];
      if (value === undefined) throw new UsageError(`${arg} needs a value`);
      return value;
    };
    if (rest.length === 0 && (arg === '--help' || arg === '-h')) {
      out.stdout(help + '\n');
      return exitCodes.ok;
    }
    // After `--`, everything is the command `cloison run` starts, untouched.
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (arg === '--json') globals.json = true;
    else if (arg === '--state') globals.state = resolve(takeValue());
    else if (arg === '--actor') globals.actor = takeValue();
    else if (arg === '--justification') globals.justification = takeValue();
    else if (arg === '--login') globals.login = takeValue();
    else if (arg === '--run') globals.run = resolve(takeValue());
    else if (arg === '--timeout') {
      const seconds = Number(takeValue());
      if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 86_400)
        throw new UsageError('--timeout is a number of seconds, more than 0');
      globals.timeoutSeconds = seconds;
    } else rest.push(arg);
  }
  const [name, ...args] = rest;
  const command = name ? commands[name] : undefined;
  if (!command) throw new UsageError(name ? `unknown command "${name}"` : 'a command is needed');
  return command(globals, args);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const code = exitCodeFor(err);
    if (err instanceof UsageError) {
      out.stderr(`cloison: ${err.message}\n(see cloison --help)\n`);
    } else if (err instanceof CloisonError) {
      if (process.argv.includes('--json')) {
        out.stdout(
          JSON.stringify(
            { error: { code: err.code, message: err.message, ...err.details } },
            null,
            2,
          ) + '\n',
        );
      }
      out.stderr(`cloison: ${err.message}\n`);
    } else {
      out.stderr(`cloison: ${err instanceof Error ? err.message : String(err)}\n`);
    }
    process.exit(code);
  },
);
