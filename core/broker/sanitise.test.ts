// Document transfers through a real daemon: a rule names pdf-rasterise, and what lands in the
// target level is the rebuilt PDF, never the original; progress reaches the CLI page by page; the
// audit entry holds both digests and the sanitiser with its version; a refusal delivers nothing.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { levelStaging } from '../state/paths.js';
import { startDaemon, type TestDaemon } from '../testing/daemon.js';
import { hostilePdf, onPdf, plainPdf } from '../testing/pdfs.js';

const config = `
levels:
  - { id: low, label: Low, colour: "#aa0000", rank: 0 }
  - { id: high, label: High, colour: "#0000aa", rank: 1 }
rules:
  - id: pdf-up
    kind: file
    from: "*"
    to: up
    types: [application/pdf]
    action: allow
    sanitise: pdf-rasterise
`;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

interface AuditItem {
  name: string;
  sha256: string;
  sanitised?: { sanitiser: string; sha256: string; size: number; type: string };
  quarantinedAs?: string;
}

describe('a file transfer under a pdf-rasterise rule', () => {
  let daemon: TestDaemon;
  let low: string;
  let high: string;
  beforeAll(async () => {
    daemon = await startDaemon({ config });
    low = daemon.home('low');
    high = daemon.home('high');
  });
  afterAll(async () => {
    await daemon.cleanup();
  });

  const lastEntry = async () => {
    const tail = await daemon.cli(['--json', 'audit', 'tail', '-n', '1']);
    return JSON.parse(tail.text.trim()) as Record<string, unknown>;
  };

  describe('a hostile PDF', () => {
    const original = hostilePdf(3);
    let sent: Awaited<ReturnType<TestDaemon['cli']>>;
    beforeAll(async () => {
      writeFileSync(join(low, 'report.pdf'), original);
      sent = await daemon.cli(['files', 'send', '--from', 'low', '--to', 'high', 'report.pdf']);
    });

    it('is delivered as the rebuilt PDF, never as the original', () => {
      expect(sent.code).toBe(0);
      const delivered = readFileSync(join(high, 'Incoming/low/report.pdf'));
      expect(sha256(delivered)).not.toBe(sha256(original));
      expect(onPdf(delivered, 'pdfinfo', (f) => [f])).toMatch(/Pages:\s+3\n/);
      expect(onPdf(delivered, 'qpdf', (f) => ['--json', f])).not.toMatch(/SECRET|JavaScript/);
    });

    it('told the CLI its progress, page by page', () => {
      expect(sent.stderr).toContain(
        [1, 2, 3].map((n) => `report.pdf: pdf-rasterise, page ${n} of 3\n`).join(''),
      );
    });

    it('is audited with both digests and the sanitiser with its version', async () => {
      const entry = await lastEntry();
      expect(entry.event).toBe('transfer.delivered');
      const item = (entry.items as AuditItem[])[0]!;
      const delivered = readFileSync(join(high, 'Incoming/low/report.pdf'));
      expect(item.sha256).toBe(sha256(original));
      expect(item.sanitised).toEqual({
        sanitiser: expect.stringMatching(/^pdf-rasterise@1 \(poppler \d+\.\d+\.\d+\)$/),
        type: 'application/pdf',
        size: delivered.length,
        sha256: sha256(delivered),
      });
    });
  });

  describe('two transfers between the same levels at once', () => {
    // Each CLI shows its own transfer's pages, picked by transfer id (the levels are the same),
    // and a session that asked for nothing sees no one's sanitising progress.
    let first: Awaited<ReturnType<TestDaemon['cli']>>;
    let second: Awaited<ReturnType<TestDaemon['cli']>>;
    const onlooker: { type: string }[] = [];
    beforeAll(async () => {
      writeFileSync(join(low, 'first.pdf'), hostilePdf(3));
      writeFileSync(join(low, 'second.pdf'), hostilePdf(4));
      const other = await daemon.client('user', 'carol');
      other.onEvent((event) => onlooker.push(event as { type: string }));
      await other.call('events.subscribe', {});
      const send = (name: string) =>
        daemon.cli(['files', 'send', '--from', 'low', '--to', 'high', name]);
      [first, second] = await Promise.all([send('first.pdf'), send('second.pdf')]);
      other.close();
    });

    it.each([
      ['first', 'first.pdf', 3],
      ['second', 'second.pdf', 4],
    ] as const)('the %s CLI shows its own pages only', (which, name, pages) => {
      const sent = which === 'first' ? first : second;
      expect(sent.code).toBe(0);
      const lines = sent.stderr.split('\n').filter((l) => l.includes('pdf-rasterise'));
      expect(lines).toEqual(
        Array.from(
          { length: pages },
          (_, i) => `${name}: pdf-rasterise, page ${i + 1} of ${pages}`,
        ),
      );
    });

    it("sends no one else the transfers' sanitising progress", () => {
      expect(onlooker.map((e) => e.type)).not.toContain('transfer.sanitising');
      expect(onlooker.map((e) => e.type)).not.toContain('transfer.started');
    });
  });

  describe.each([
    [
      'an encrypted PDF',
      'locked.pdf',
      () => {
        // Encrypted by qpdf, with an empty user password: it opens, and is still refused.
        const plain = join(low, 'plain-for-lock.pdf');
        writeFileSync(plain, hostilePdf(1));
        return { make: 'qpdf', plain };
      },
      'BAD_CONTENT',
      /The PDF is encrypted/,
    ],
    [
      'a PDF of 10,000 pages',
      'huge.pdf',
      () => ({ bytes: plainPdf(10_000, 1, 1) }),
      'TOO_LARGE',
      /The PDF has 10000 pages, over the limit of 1000 pages\./,
    ],
    [
      'a corrupt PDF',
      'broken.pdf',
      () => ({ bytes: Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(3000, 0x5a)]) }),
      'BAD_CONTENT',
      /The PDF cannot be read/,
    ],
  ])('%s', (_what, name, make, code, message) => {
    let sent: Awaited<ReturnType<TestDaemon['cli']>>;
    beforeAll(async () => {
      const made = make() as { bytes?: Buffer; make?: string; plain?: string };
      if (made.bytes) writeFileSync(join(low, name), made.bytes);
      else {
        execFileSync('qpdf', ['--encrypt', '', 'owner', '256', '--', made.plain!, join(low, name)]);
      }
      sent = await daemon.cli(['--json', 'files', 'send', '--from', 'low', '--to', 'high', name]);
    });

    it('is refused with the reason', () => {
      expect(sent.code).toBe(1);
      const error = (JSON.parse(sent.text) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe(code);
      expect(error.message).toMatch(message);
    });

    it('leaves nothing in the target level, staged or visible', () => {
      const incoming = join(high, 'Incoming/low');
      const names = existsSync(incoming) ? readdirSync(incoming) : [];
      expect(names.filter((n) => n.includes(name.replace('.pdf', '')))).toEqual([]);
      const staging = levelStaging(daemon.paths, { id: 'high' });
      expect(existsSync(staging) ? readdirSync(staging) : []).toEqual([]);
    });

    it('is audited as failed, with the code', async () => {
      const entry = await lastEntry();
      expect(entry).toMatchObject({ event: 'transfer.failed', error: code });
    });
  });

  describe('a request of two PDFs, one of them encrypted', () => {
    // By design one refused file refuses the whole request: the refusal must say which, and why.
    let json: Awaited<ReturnType<TestDaemon['cli']>>;
    let text: Awaited<ReturnType<TestDaemon['cli']>>;
    beforeAll(async () => {
      const plain = join(low, 'plain-for-batch.pdf');
      writeFileSync(plain, hostilePdf(1));
      execFileSync('qpdf', [
        '--encrypt',
        '',
        'owner',
        '256',
        '--',
        plain,
        join(low, 'b-locked.pdf'),
      ]);
      writeFileSync(join(low, 'a-fine.pdf'), hostilePdf(1));
      const args = ['files', 'send', '--from', 'low', '--to', 'high', 'a-fine.pdf', 'b-locked.pdf'];
      json = await daemon.cli(['--json', ...args]);
      text = await daemon.cli(args);
    });

    it("names the refused file and the sanitiser's reason in the daemon's error", () => {
      expect(json.code).toBe(1);
      const error = (
        JSON.parse(json.text) as { error: { code: string; message: string; file: string } }
      ).error;
      expect(error.code).toBe('BAD_CONTENT');
      expect(error.file).toBe('b-locked.pdf');
      expect(error.message).toMatch(
        /^"b-locked\.pdf" was refused by pdf-rasterise: The PDF is encrypted.* none of its 2 files was sent\.$/u,
      );
    });

    it('says the same on the CLI', () => {
      expect(text.code).toBe(1);
      expect(text.stderr).toMatch(
        /cloison: "b-locked\.pdf" was refused by pdf-rasterise: The PDF is encrypted/u,
      );
    });

    it('delivers neither file, and the audit entry names the refused one', async () => {
      const incoming = join(high, 'Incoming/low');
      const names = existsSync(incoming) ? readdirSync(incoming) : [];
      expect(names.filter((n) => n.startsWith('a-fine') || n.startsWith('b-locked'))).toEqual([]);
      const entry = await lastEntry();
      expect(entry).toMatchObject({
        event: 'transfer.failed',
        error: 'BAD_CONTENT',
        file: 'b-locked.pdf',
      });
    });
  });
});

describe('a file transfer under an ask rule with pdf-rasterise', () => {
  // Sanitised when confirmed: the progress goes to the session that confirms, by the transfer's id.
  let daemon: TestDaemon;
  beforeAll(async () => {
    daemon = await startDaemon({ config: config.replace('action: allow', 'action: ask') });
  });
  afterAll(async () => {
    await daemon.cleanup();
  });

  it('shows its pages to the CLI that confirms it', async () => {
    writeFileSync(join(daemon.home('low'), 'asked.pdf'), hostilePdf(2));
    const asked = await daemon.cli([
      '--json',
      'files',
      'send',
      '--from',
      'low',
      '--to',
      'high',
      'asked.pdf',
    ]);
    const { id, status } = JSON.parse(asked.text) as { id: string; status: string };
    expect(status).toBe('waiting-for-user');
    const confirmed = await daemon.cli(['transfers', 'confirm', id]);
    expect(confirmed.code).toBe(0);
    expect(confirmed.stderr).toContain(
      'asked.pdf: pdf-rasterise, page 1 of 2\nasked.pdf: pdf-rasterise, page 2 of 2\n',
    );
    expect(existsSync(join(daemon.home('high'), 'Incoming/low/asked.pdf'))).toBe(true);
  });
});

describe('a file transfer under a rule with quarantine', () => {
  const quarantined = `broker:\n  sanitiserMaxBytes: 1048576\n${config.replace(
    'sanitise: pdf-rasterise',
    'sanitise: pdf-rasterise\n    quarantine: true',
  )}`;
  let daemon: TestDaemon;
  let low: string;
  let high: string;
  beforeAll(async () => {
    daemon = await startDaemon({ config: quarantined });
    low = daemon.home('low');
    high = daemon.home('high');
  });
  afterAll(async () => {
    await daemon.cleanup();
  });
  const send = (...args: string[]) =>
    daemon.cli(['--json', 'files', 'send', '--from', 'low', '--to', 'high', ...args]);
  const lastEntry = async () => {
    const tail = await daemon.cli(['--json', 'audit', 'tail', '-n', '1']);
    return JSON.parse(tail.text.trim()) as {
      event: string;
      items: AuditItem[];
      error?: string;
      file?: string;
    };
  };

  describe('a PDF sent', () => {
    const original = hostilePdf(2);
    let sent: Awaited<ReturnType<TestDaemon['cli']>>;
    beforeAll(async () => {
      writeFileSync(join(low, 'kept.pdf'), original);
      sent = await send('kept.pdf');
    });

    it('crosses rebuilt, and its original stays in the source level, byte for byte', () => {
      expect(sent.code).toBe(0);
      const delivered = readFileSync(join(high, 'Incoming/low/kept.pdf'));
      expect(sha256(delivered)).not.toBe(sha256(original));
      expect(sha256(readFileSync(join(low, 'Quarantine/kept.pdf')))).toBe(sha256(original));
      expect(existsSync(join(high, 'Quarantine'))).toBe(false);
    });

    it('is audited with where the original was kept, and with both digests and the sanitiser', async () => {
      const entry = await lastEntry();
      expect(entry.event).toBe('transfer.delivered');
      const delivered = readFileSync(join(high, 'Incoming/low/kept.pdf'));
      expect(entry.items[0]).toMatchObject({
        sha256: sha256(original),
        quarantinedAs: 'Quarantine/kept.pdf',
        sanitised: {
          sha256: sha256(delivered),
          sanitiser: expect.stringMatching(/^pdf-rasterise@/u),
        },
      });
    });

    it('never replaces an original kept before: the next one takes a copy number', async () => {
      const next = hostilePdf(1);
      writeFileSync(join(low, 'kept.pdf'), next);
      expect((await send('kept.pdf')).code).toBe(0);
      expect(sha256(readFileSync(join(low, 'Quarantine/kept.pdf')))).toBe(sha256(original));
      expect(sha256(readFileSync(join(low, 'Quarantine/kept (1).pdf')))).toBe(sha256(next));
      expect((await lastEntry()).items[0]?.quarantinedAs).toBe('Quarantine/kept (1).pdf');
    });
  });

  it('keeps the original of a moved file, and removes the source', async () => {
    const original = hostilePdf(1);
    writeFileSync(join(low, 'moved.pdf'), original);
    expect((await send('--move', 'moved.pdf')).code).toBe(0);
    expect(existsSync(join(low, 'moved.pdf'))).toBe(false);
    expect(sha256(readFileSync(join(low, 'Quarantine/moved.pdf')))).toBe(sha256(original));
  });

  describe('a request refused by size', () => {
    // 2 MiB over the sanitiser's 1 MiB: a 3 GiB file would be refused the same way, on its size.
    let sent: Awaited<ReturnType<TestDaemon['cli']>>;
    beforeAll(async () => {
      writeFileSync(join(low, 'small-ok.pdf'), hostilePdf(1));
      writeFileSync(
        join(low, 'huge-size.pdf'),
        Buffer.concat([hostilePdf(1), Buffer.alloc(2 * 1024 * 1024, 0x20)]),
      );
      sent = await send('small-ok.pdf', 'huge-size.pdf');
    });

    it('is refused naming the file and the limit', () => {
      expect(sent.code).toBe(1);
      const error = (JSON.parse(sent.text) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe('TOO_LARGE');
      expect(error.message).toMatch(
        /^"huge-size\.pdf" was refused by pdf-rasterise: it is \d+ bytes, over the limit of 1048576 bytes/u,
      );
    });

    it('copies nothing into Quarantine/, neither the large file nor the other', () => {
      const kept = existsSync(join(low, 'Quarantine')) ? readdirSync(join(low, 'Quarantine')) : [];
      expect(kept.filter((n) => n.startsWith('huge-size') || n.startsWith('small-ok'))).toEqual([]);
      const staging = levelStaging(daemon.paths, { id: 'low' });
      expect(existsSync(staging) ? readdirSync(staging) : []).toEqual([]);
    });

    it('is audited as failed, naming the file', async () => {
      expect(await lastEntry()).toMatchObject({
        event: 'transfer.failed',
        error: 'TOO_LARGE',
        file: 'huge-size.pdf',
      });
    });
  });

  it('keeps no original of a file its sanitiser refuses, nor of the rest of its request', async () => {
    const plain = join(low, 'plain-for-q.pdf');
    writeFileSync(plain, hostilePdf(1));
    execFileSync('qpdf', ['--encrypt', '', 'owner', '256', '--', plain, join(low, 'q-locked.pdf')]);
    writeFileSync(join(low, 'q-fine.pdf'), hostilePdf(1));
    const sent = await send('q-fine.pdf', 'q-locked.pdf');
    expect(sent.code).toBe(1);
    expect(sent.text).toContain('The PDF is encrypted');
    const kept = existsSync(join(low, 'Quarantine')) ? readdirSync(join(low, 'Quarantine')) : [];
    expect(kept.filter((n) => n.startsWith('q-'))).toEqual([]);
    expect(existsSync(join(low, 'q-fine.pdf')) && existsSync(join(low, 'q-locked.pdf'))).toBe(true);
  });

  describe('when the source level made Quarantine/ a link to elsewhere', () => {
    // An app of the source level points Quarantine at the target level's home: following it would
    // put the unsanitised original across levels.
    let sent: Awaited<ReturnType<TestDaemon['cli']>>;
    beforeAll(async () => {
      rmSync(join(low, 'Quarantine'), { recursive: true, force: true });
      symlinkSync(high, join(low, 'Quarantine'));
      writeFileSync(join(low, 'linked.pdf'), hostilePdf(1));
      sent = await send('linked.pdf');
    });
    afterAll(() => rmSync(join(low, 'Quarantine')));

    it('refuses the transfer with the reason, following nothing', () => {
      expect(sent.code).toBe(1);
      const error = (JSON.parse(sent.text) as { error: { message: string } }).error;
      expect(error.message).toMatch(/^The original could not be kept in Quarantine\/: /);
      // Whose folder it is: the source level's (the copy goes there), not the target's.
      expect(error.message).toContain('The source level\'s "Quarantine" is a symbolic link');
      expect(readdirSync(high).filter((n) => n.startsWith('linked'))).toEqual([]);
    });

    it('delivers nothing into the target level', () => {
      const incoming = join(high, 'Incoming/low');
      expect(readdirSync(incoming).filter((n) => n.startsWith('linked'))).toEqual([]);
    });

    it('is audited as failed', async () => {
      const entry = await lastEntry();
      expect(entry.event).toBe('transfer.failed');
      expect(entry.items[0]?.name).toBe('linked.pdf');
    });
  });
});
