// The rules editor's engine in the daemon: validate a candidate text of the main configuration file
// with the daemon's own loader, ask a candidate how it would decide (one question, or the last
// audited transfers again), apply it whole or not at all, and keep every applied version for
// rollback. Each change is one audit entry with the digests of the old and new rule sets.
import { changesToWhatRuns } from './confined.js';
import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { tailAudit } from '../audit/index.js';
import { resolveLevels, strictest } from '../broker/steps.js';
import { ConfigError, loadConfig, type LoadedConfig } from '../config/index.js';
import { lineDiff } from '../config/diff.js';
import type { Problem } from '../config/problems.js';
import type { ConfigVersions } from '../config/versions.js';
import { rulesDigest, writeSynced, type ConfigVersion } from '../config/versions.js';
import type { Action, TransferKind } from '../contract/config.js';
import { CloisonError } from '../contract/errors.js';
import type { AuditEntry, Decision } from '../contract/methods.js';
import { decide, explainResult, type TransferRequest } from '../policy/index.js';

export interface EditorDeps {
  /** The configuration in force and the file it was read from. */
  current: () => { loaded: LoadedConfig; file: string };
  /** Where an applied text is written: the file in force, or the state folder's copy of the embedded default. */
  target: () => string;
  /** Whether the file in force is the packaged default (never written: edits go to `target`). */
  packagedDefault: () => boolean;
  rulesDir?: string;
  versions: ConfigVersions;
  auditDir: string;
  audit: (fields: { actor: string; event: string } & Record<string, unknown>) => Promise<void>;
  /** Puts a configuration in force (the same path as a reload, without its audit entry). */
  install: (next: LoadedConfig, file: string, actor: string) => Promise<void>;
}

export interface Applied {
  version: ConfigVersion;
  previousDigest: string;
  previousRulesDigest: string;
  warnings: string[];
}

/** Passphrase hashes, hidden from those who may read the configuration but not administer it. */
export function hidePassphrases(text: string): string {
  return text.replace(/scrypt\$[A-Za-z0-9$+/=]+/g, 'scrypt$(hidden)');
}

export class ConfigEditor {
  /** One change at a time: two administrators saving at once are serialised, not interleaved. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: EditorDeps) {}

  async show(role: 'admin' | 'auditor') {
    const { loaded, file } = this.deps.current();
    const text = await readFile(file, 'utf8');
    const ruleFiles = [];
    for (const source of loaded.sources.slice(1))
      ruleFiles.push({ file: source, text: await readFile(source, 'utf8').catch(() => '') });
    return {
      file,
      editable: await this.editable(),
      text: role === 'admin' ? text : hidePassphrases(text),
      digest: loaded.digest,
      rulesDigest: rulesDigest(loaded.config),
      ruleFiles,
      warnings: loaded.warnings,
    };
  }

  /** The candidate checked as the daemon would load it; never throws for what the text holds. */
  async validate(text: string) {
    const { file } = this.deps.current();
    const before = await readFile(file, 'utf8');
    const diff = lineDiff(before, text);
    try {
      const next = await this.load(text);
      return {
        valid: true,
        problems: [],
        warnings: next.warnings,
        diff,
        digest: next.digest,
        rulesDigest: rulesDigest(next.config),
      };
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      return {
        valid: false,
        problems: err.problems.map((p: Problem) => ({ ...p })),
        warnings: [],
        diff,
      };
    }
  }

  /** How the candidate (or the configuration in force) decides one transfer, and why. */
  async dryRun(text: string | undefined, question: TransferRequest) {
    const loaded = text === undefined ? this.deps.current().loaded : await this.load(text);
    resolveLevels(loaded.config, question.from, question.to);
    const result = decide(loaded.config, question);
    return {
      decision: result.decision,
      ...(result.rule ? { rule: { ...result.rule } } : {}),
      explanation: explainResult(loaded.config, question, result, loaded.origins),
    };
  }

  /**
   * The last `count` audited transfers decided again under the candidate: those whose decision
   * (action or rule) would change. Only what the log recorded is used: types and sizes, no content.
   */
  async replay(text: string, count: number) {
    const next = await this.load(text);
    const firsts = new Map<string, AuditEntry>();
    // The first entry of each transfer holds its decision as it was made.
    for (const entry of await tailAudit(this.deps.auditDir, Math.min(count * 8, 200_000))) {
      const id = entry['transfer'];
      if (typeof id === 'string' && !firsts.has(id) && Array.isArray(entry['items']))
        firsts.set(id, entry);
    }
    const transfers = [...firsts.values()].slice(-count);
    const changed = [];
    for (const entry of transfers) {
      const kind = entry['kind'] as TransferKind;
      const from = String(entry['from']);
      const to = String(entry['to']);
      const items = (entry['items'] as { type?: unknown; size?: unknown }[]).filter(
        (i) => typeof i.type === 'string' && typeof i.size === 'number',
      ) as { type: string; size: number }[];
      if (items.length === 0) continue;
      const after: Decision = strictest(
        items.map((i) => ({ decision: decide(next.config, { kind, from, to, ...i }).decision })),
      );
      const before = { action: entry['decision'] as Action, ruleId: String(entry['rule']) };
      if (after.action !== before.action || after.ruleId !== before.ruleId) {
        changed.push({
          transfer: String(entry['transfer']),
          time: entry.time,
          kind,
          from,
          to,
          types: items.map((i) => i.type),
          before,
          after,
        });
      }
    }
    return { replayed: transfers.length, changed };
  }

  history(): Promise<ConfigVersion[]> {
    return this.deps.versions.list();
  }

  /** A past version's text; an auditor sees it without passphrase hashes, as in `show`. */
  async version(version: number, role: 'admin' | 'auditor' = 'auditor') {
    const record = (await this.deps.versions.list()).find((v) => v.version === version);
    if (!record) {
      throw new CloisonError(
        'INVALID_PARAMS',
        `There is no configuration version ${version}; \`cloison rules history\` lists them.`,
        { version },
      );
    }
    const text = await this.deps.versions.text(version);
    return { version: record, text: role === 'admin' ? text : hidePassphrases(text) };
  }

  /**
   * `confined`: the caller is an administrator's login on the user socket, who may change rules,
   * labels and colours but not what runs in a level (see confined.ts).
   */
  apply(
    text: string,
    reason: string,
    actor: string,
    basedOn?: string,
    confined = false,
  ): Promise<Applied> {
    const run = this.queue.then(() => this.applyNow(text, reason, actor, basedOn, confined));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async rollback(
    version: number,
    reason: string,
    actor: string,
    basedOn?: string,
    confined = false,
  ) {
    const text = await this.deps.versions.text(version);
    return this.apply(text, `${reason} (rollback to version ${version})`, actor, basedOn, confined);
  }

  private async applyNow(
    text: string,
    reason: string,
    actor: string,
    basedOn: string | undefined,
    confined: boolean,
  ): Promise<Applied> {
    const { loaded: previous, file } = this.deps.current();
    if (basedOn !== undefined && basedOn !== previous.digest) {
      throw new CloisonError(
        'INVALID_PARAMS',
        'The configuration changed since this edit began (another administrator, or a reload): look at it again before saving.',
        { digest: previous.digest },
      );
    }
    if (!(await this.editable())) {
      throw new CloisonError(
        'INVALID_CONFIG',
        `The daemon cannot write ${this.deps.target()}: it is managed outside Cloison; change it there and reload.`,
      );
    }
    // Refused whole: the old configuration stays in force and on disk.
    const next = await this.load(text);
    const runs = confined ? changesToWhatRuns(previous.config, next.config) : [];
    if (runs.length > 0) {
      throw new CloisonError(
        'NOT_ALLOWED',
        `From the shell's administration, this change is refused: it ${runs.join('; ')}. What runs in a level and what it reaches decide who reads its files; change it on the admin socket (\`cloison rules apply\` without --login, as the machine's administrator).`,
        { changes: runs },
      );
    }
    const target = this.deps.target();
    if ((await this.deps.versions.list()).length === 0) {
      // The starting point is kept too, so that the first change can be rolled back.
      await this.deps.versions.add(await readFile(file, 'utf8'), {
        time: new Date().toISOString(),
        actor: 'cloisond',
        reason: `the configuration in force before the first change (${file})`,
        digest: previous.digest,
        rulesDigest: rulesDigest(previous.config),
      });
    }
    const version = await this.deps.versions.add(text, {
      time: new Date().toISOString(),
      actor,
      reason,
      digest: next.digest,
      rulesDigest: rulesDigest(next.config),
    });
    const record = {
      actor,
      event: 'config.changed',
      reason,
      version: version.version,
      file: target,
      previousDigest: previous.digest,
      digest: next.digest,
      previousRulesDigest: rulesDigest(previous.config),
      rulesDigest: version.rulesDigest,
    };
    // Audited before it is in force (fail closed): a change the log does not hold is not made.
    await this.deps.audit(record);
    await writeSynced(target, text);
    await this.deps.install(next, target, actor);
    return {
      version,
      previousDigest: previous.digest,
      previousRulesDigest: record.previousRulesDigest,
      warnings: next.warnings,
    };
  }

  private load(text: string): Promise<LoadedConfig> {
    const { file } = this.deps.current();
    // A candidate for the packaged default is checked where it will live (the state folder's copy),
    // with no drop-ins, as it will be loaded.
    const where = this.deps.packagedDefault() ? this.deps.target() : file;
    return loadConfig(where, {
      mainText: text,
      ...(this.deps.rulesDir ? { rulesDir: this.deps.rulesDir } : {}),
    });
  }

  private async editable(): Promise<boolean> {
    const target = this.deps.target();
    const writable = (path: string) =>
      access(path, constants.W_OK).then(
        () => true,
        () => false,
      );
    if (!(await writable(dirname(target)))) return false;
    if (!(await exists(target))) return true;
    // In a sticky folder (/etc/cloison) only the file's owner may rename over it.
    const [folder, file] = await Promise.all([stat(dirname(target)), stat(target)]);
    if (folder.mode & 0o1000 && file.uid !== process.getuid?.()) return false;
    return writable(target);
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
