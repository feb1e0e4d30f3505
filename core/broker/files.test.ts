// File transfers against a real daemon with real files in real level homes: what lands in
// Incoming/<source>/, what is refused with nothing written, and who may decide what.
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type TestDaemon } from '../testing/daemon.js';
import { testConfig } from '../testing/configs.js';

const pdfCase = '/work/shared/cases/documents/tracemonkey.pdf';

/** Every path under a folder, recursively, relative to it (hidden temp files included). */
function tree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: false }).map(String).sort();
}

describe('file transfers', () => {
  let daemon: TestDaemon;
  let low: string;
  let mid: string;
  let high: string;
  beforeAll(async () => {
    daemon = await startDaemon({ config: testConfig });
    low = daemon.home('low');
    mid = daemon.home('mid');
    high = daemon.home('high');
  });
  afterAll(async () => {
    await daemon.cleanup();
  });

  describe('when a rule allows the file', () => {
    it('lands complete in Incoming/<source>/ with its digest', async () => {
      writeFileSync(join(low, 'notes.txt'), 'meeting at ten\n');
      const result = await daemon.cli([
        '--json',
        'files',
        'send',
        '--from',
        'low',
        '--to',
        'mid',
        'notes.txt',
      ]);
      expect(result.code).toBe(0);
      const transfer = JSON.parse(result.text) as {
        items: { deliveredAs: string; sha256: string }[];
      };
      expect(transfer.items[0]?.deliveredAs).toBe('Incoming/low/notes.txt');
      expect(readFileSync(join(mid, 'Incoming/low/notes.txt'), 'utf8')).toBe('meeting at ten\n');
      expect(existsSync(join(low, 'notes.txt'))).toBe(true);
    });

    it('never replaces an existing file: the newcomer gets a suffix', async () => {
      writeFileSync(join(low, 'plan.txt'), 'first');
      expect(
        (await daemon.cli(['files', 'send', '--from', 'low', '--to', 'mid', 'plan.txt'])).code,
      ).toBe(0);
      writeFileSync(join(low, 'plan.txt'), 'second');
      const again = await daemon.cli([
        '--json',
        'files',
        'send',
        '--from',
        'low',
        '--to',
        'mid',
        'plan.txt',
      ]);
      expect(again.code).toBe(0);
      const delivered = (JSON.parse(again.text) as { items: { deliveredAs: string }[] }).items[0]
        ?.deliveredAs;
      expect(delivered).not.toBe('Incoming/low/plan.txt');
      expect(readFileSync(join(mid, 'Incoming/low/plan.txt'), 'utf8')).toBe('first');
      expect(readFileSync(join(mid, delivered!), 'utf8')).toBe('second');
    });

    it('sends folders whole and moves delete the sources only after delivery', async () => {
      mkdirSync(join(low, 'project/sub'), { recursive: true });
      writeFileSync(join(low, 'project/a.txt'), 'a');
      writeFileSync(join(low, 'project/sub/b.txt'), 'b');
      const result = await daemon.cli([
        'files',
        'send',
        '--move',
        '--from',
        'low',
        '--to',
        'high',
        'project',
      ]);
      expect(result.code).toBe(0);
      expect(readFileSync(join(high, 'Incoming/low/project/a.txt'), 'utf8')).toBe('a');
      expect(readFileSync(join(high, 'Incoming/low/project/sub/b.txt'), 'utf8')).toBe('b');
      expect(existsSync(join(low, 'project/a.txt'))).toBe(false);
      expect(existsSync(join(low, 'project/sub/b.txt'))).toBe(false);
    });
  });

  describe('when an entry is not a regular file or folder', () => {
    it.each([
      ['a symlink', (dir: string) => symlinkSync('/etc/passwd', join(dir, 'bad'))],
      [
        'a hard link with two links',
        (dir: string) => {
          writeFileSync(join(dir, 'original'), 'x');
          linkSync(join(dir, 'original'), join(dir, 'bad'));
        },
      ],
      ['a fifo', (dir: string) => execFileSync('mkfifo', [join(dir, 'bad')])],
    ])('refuses %s, names it, and writes nothing', async (_what, make) => {
      const dir = join(low, `case-${Math.random().toString(36).slice(2)}`);
      mkdirSync(dir);
      writeFileSync(join(dir, 'fine.txt'), 'fine');
      make(dir);
      const before = tree(join(mid, 'Incoming'));
      const rel = dir.slice(low.length + 1);
      const result = await daemon.cli([
        'files',
        'send',
        '--from',
        'low',
        '--to',
        'mid',
        `${rel}/fine.txt`,
        `${rel}/bad`,
      ]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('bad');
      expect(tree(join(mid, 'Incoming'))).toEqual(before);
    });

    it('refuses a path that leaves the home', async () => {
      const result = await daemon.cli([
        'files',
        'send',
        '--from',
        'low',
        '--to',
        'mid',
        '../mid/x',
      ]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('../mid/x');
    });
  });

  describe('when one file of a request is over its rule size', () => {
    it('refuses the whole request', async () => {
      writeFileSync(join(low, 'small.bin'), Buffer.alloc(10, 1));
      writeFileSync(join(low, 'big.bin'), Buffer.alloc(1024 * 1024 + 1, 1));
      const before = tree(join(mid, 'Incoming'));
      const result = await daemon.cli([
        'files',
        'send',
        '--from',
        'low',
        '--to',
        'mid',
        'small.bin',
        'big.bin',
      ]);
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(/Denied: "big\.bin" \(application\/octet-stream\) may not go/u);
      expect(result.stderr).toContain('none of its 2 files was sent');
      expect(tree(join(mid, 'Incoming'))).toEqual(before);
    });
  });

  describe('when the rule asks the user', () => {
    it('waits for confirmation, then delivers; a cancelled one never lands', async () => {
      writeFileSync(join(low, 'paper.pdf'), readFileSync(pdfCase));
      const asked = await daemon.cli([
        '--json',
        'files',
        'send',
        '--from',
        'low',
        '--to',
        'mid',
        'paper.pdf',
      ]);
      expect(asked.code).toBe(4);
      const pending = JSON.parse(asked.text) as { id: string; status: string };
      expect(pending.status).toBe('waiting-for-user');
      expect(existsSync(join(mid, 'Incoming/low/paper.pdf'))).toBe(false);
      const confirmed = await daemon.cli(['--json', 'transfers', 'confirm', pending.id]);
      expect(confirmed.code).toBe(0);
      expect(readFileSync(join(mid, 'Incoming/low/paper.pdf'))).toEqual(readFileSync(pdfCase));

      const again = JSON.parse(
        (
          await daemon.cli([
            '--json',
            'files',
            'send',
            '--from',
            'low',
            '--to',
            'high',
            'paper.pdf',
          ])
        ).text,
      ) as { id: string };
      expect((await daemon.cli(['transfers', 'cancel', again.id])).code).toBe(0);
      expect((await daemon.cli(['transfers', 'confirm', again.id])).code).toBe(1);
      expect(existsSync(join(high, 'Incoming/low/paper.pdf'))).toBe(false);
    });

    it('refuses delivery when the file changed after it was inspected', async () => {
      writeFileSync(join(low, 'draft.pdf'), readFileSync(pdfCase));
      const asked = JSON.parse(
        (
          await daemon.cli([
            '--json',
            'files',
            'send',
            '--from',
            'low',
            '--to',
            'high',
            'draft.pdf',
          ])
        ).text,
      ) as { id: string };
      const tampered = readFileSync(pdfCase);
      const at = tampered.length - 10;
      tampered.writeUInt8(tampered.readUInt8(at) ^ 0xff, at);
      writeFileSync(join(low, 'draft.pdf'), tampered);
      const confirmed = await daemon.cli(['transfers', 'confirm', asked.id]);
      expect(confirmed.code).toBe(1);
      expect(confirmed.stderr).toContain('draft.pdf');
      expect(existsSync(join(high, 'Incoming/low/draft.pdf'))).toBe(false);
    });
  });

  describe('when the rule reserves the transfer for an administrator', () => {
    it('queues it; the requester cannot approve it; another administrator can', async () => {
      writeFileSync(join(high, 'report.txt'), 'declassified summary');
      const asked = await daemon.cli(
        [
          '--json',
          '--justification',
          'for the public note',
          'files',
          'send',
          '--from',
          'high',
          '--to',
          'low',
          'report.txt',
        ],
        { actor: 'carol' },
      );
      expect(asked.code).toBe(4);
      const { id } = JSON.parse(asked.text) as { id: string };
      const list = await daemon.cli(['--json', 'approvals', 'list'], { actor: 'dave' });
      const queued = (
        JSON.parse(list.text) as {
          approvals: { id: string; justification: string; requester: string }[];
        }
      ).approvals;
      expect(queued).toContainEqual(
        expect.objectContaining({ id, justification: 'for the public note', requester: 'carol' }),
      );
      const self = await daemon.cli(['approvals', 'approve', id, '--reason', 'mine'], {
        actor: 'carol',
      });
      expect(self.code).toBe(1);
      expect(self.stderr).toContain('someone else');
      expect(existsSync(join(low, 'Incoming/high/report.txt'))).toBe(false);
      const approved = await daemon.cli(['approvals', 'approve', id, '--reason', 'checked'], {
        actor: 'dave',
      });
      expect(approved.code).toBe(0);
      expect(readFileSync(join(low, 'Incoming/high/report.txt'), 'utf8')).toBe(
        'declassified summary',
      );
      const shown = JSON.parse(
        (await daemon.cli(['--json', 'transfers', 'show', id], { actor: 'carol' })).text,
      ) as { status: string };
      expect(shown.status).toBe('delivered');
    });
  });

  describe('when the requester approves under another spelling of their name', () => {
    it.each([['CAROL'], ['Carol'], ['ｃａｒｏｌ']])(
      'still counts %s as the requester and refuses',
      async (spelling) => {
        writeFileSync(join(high, 'memo.txt'), 'summary');
        const asked = await daemon.cli(
          ['--json', 'files', 'send', '--from', 'high', '--to', 'low', 'memo.txt'],
          { actor: 'carol' },
        );
        expect(asked.code).toBe(4);
        const { id } = JSON.parse(asked.text) as { id: string };
        const self = await daemon.cli(['approvals', 'approve', id, '--reason', 'mine'], {
          actor: spelling,
        });
        expect(self.code).toBe(1);
        expect(self.stderr).toContain('someone else');
        expect(existsSync(join(low, 'Incoming/high/memo.txt'))).toBe(false);
        await daemon.cli(['approvals', 'reject', id, '--reason', 'test over'], { actor: 'dave' });
      },
    );

    it('refuses a padded name before it can ask anything', async () => {
      const padded = await daemon.cli(['approvals', 'list'], { actor: 'carol ' });
      expect(padded.code).toBe(2);
      expect(padded.stderr).toContain('may not begin or end with whitespace');
    });
  });

  describe('when another spelling of the requester reads a transfer', () => {
    it('finds it, as the requester would; someone else does not', async () => {
      writeFileSync(join(low, 'brief.pdf'), readFileSync(pdfCase));
      const sent = JSON.parse(
        (
          await daemon.cli(
            ['--json', 'files', 'send', '--from', 'low', '--to', 'mid', 'brief.pdf'],
            { actor: 'erin' },
          )
        ).text,
      ) as { id: string };
      const shown = await daemon.cli(['--json', 'transfers', 'show', sent.id], { actor: 'ERIN' });
      expect(shown.code).toBe(4);
      const other = await daemon.cli(['--json', 'transfers', 'show', sent.id], { actor: 'frank' });
      expect(other.code).toBe(1);
      expect((await daemon.cli(['transfers', 'cancel', sent.id], { actor: 'erin' })).code).toBe(0);
    });
  });

  describe('when a name carries control or bidi characters', () => {
    it('delivers under a safe name and says what changed', async () => {
      const name = 'invoice\u202Etxt.exe';
      writeFileSync(join(low, name), 'hello');
      const result = await daemon.cli([
        '--json',
        'files',
        'send',
        '--from',
        'low',
        '--to',
        'mid',
        name,
      ]);
      expect(result.code).toBe(0);
      const item = (
        JSON.parse(result.text) as { items: { deliveredAs: string; renamed?: string }[] }
      ).items[0]!;
      expect(item.deliveredAs).not.toContain('\u202E');
      expect(item.renamed).toBeDefined();
      expect(readFileSync(join(mid, item.deliveredAs), 'utf8')).toBe('hello');
    });
  });
});
