// Sanitised files through a real daemon are named for what crosses, not for what they were: a .docx
// made a PDF lands as .pdf, a GIF re-encoded lands as .png; collisions take a copy number as any
// delivery does, and the audit entry keeps the original's name beside the delivered one.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type TestDaemon } from '../testing/daemon.js';
import { docx } from '../testing/office.js';

const config = `
levels:
  - { id: low, label: Low, colour: "#aa0000", rank: 0 }
  - { id: high, label: High, colour: "#0000aa", rank: 1 }
rules:
  - id: office-up
    kind: file
    from: "*"
    to: up
    types: [application/vnd.openxmlformats-officedocument.wordprocessingml.document]
    action: allow
    sanitise: office-to-pdf
  - id: images-up
    kind: file
    from: "*"
    to: up
    types: [image/gif]
    action: allow
    sanitise: image-reencode
`;

interface AuditItem {
  name: string;
  deliveredAs?: string;
  renamed?: string;
  sanitised?: { type: string };
}

describe('the name a sanitised file is delivered under', () => {
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
  const send = (...paths: string[]) =>
    daemon.cli(['--json', 'files', 'send', '--from', 'low', '--to', 'high', ...paths]);
  const lastItems = async () => {
    const tail = await daemon.cli(['--json', 'audit', 'tail', '-n', '1']);
    return (JSON.parse(tail.text.trim()) as { items: AuditItem[] }).items;
  };

  describe('a .docx made a PDF by office-to-pdf', () => {
    let code: number;
    beforeAll(async () => {
      writeFileSync(join(low, 'report.docx'), docx());
      code = (await send('report.docx')).code;
    }, 120_000);

    it('lands as report.pdf, a PDF, and nothing named report.docx', () => {
      expect(code).toBe(0);
      const delivered = readFileSync(join(high, 'Incoming/low/report.pdf'));
      expect(delivered.subarray(0, 5).toString()).toBe('%PDF-');
      expect(existsSync(join(high, 'Incoming/low/report.docx'))).toBe(false);
    });

    it('is audited under both names, with the reason', async () => {
      const [item] = await lastItems();
      expect(item).toMatchObject({
        name: 'report.docx',
        deliveredAs: 'Incoming/low/report.pdf',
        sanitised: { type: 'application/pdf' },
      });
      expect(item!.renamed).toBe(
        '"report.docx" was made application/pdf by office-to-pdf, so it was delivered as "report.pdf".',
      );
    });

    it('takes a copy number when report.pdf is already in the Inbox, replacing nothing', async () => {
      const before = readFileSync(join(high, 'Incoming/low/report.pdf'));
      expect((await send('report.docx')).code).toBe(0);
      expect(readFileSync(join(high, 'Incoming/low/report.pdf'))).toEqual(before);
      expect(existsSync(join(high, 'Incoming/low/report (1).pdf'))).toBe(true);
      const [item] = await lastItems();
      expect(item?.deliveredAs).toBe('Incoming/low/report (1).pdf');
      expect(item?.renamed).toContain('so it was delivered as "report.pdf"');
      expect(item?.renamed).toContain('already exists, so it was delivered as "report (1).pdf"');
    }, 120_000);
  });

  it('names a GIF re-encoded as PNG photo.png, in its folder', async () => {
    mkdirSync(join(low, 'album'));
    const gif = await sharp({
      create: { width: 8, height: 8, channels: 3, background: 'red' },
    })
      .gif()
      .toBuffer();
    writeFileSync(join(low, 'album/photo.gif'), gif);
    expect((await send('album')).code).toBe(0);
    const png = readFileSync(join(high, 'Incoming/low/album/photo.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(existsSync(join(high, 'Incoming/low/album/photo.gif'))).toBe(false);
    const [item] = await lastItems();
    expect(item).toMatchObject({
      name: 'album/photo.gif',
      deliveredAs: 'Incoming/low/album/photo.png',
    });
  });
});
