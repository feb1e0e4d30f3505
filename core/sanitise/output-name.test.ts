import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NAME_MAX_BYTES, safeName } from '../files/names.js';
import { sanitisedName } from './output-name.js';

const PDF = 'application/pdf';
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

describe('the name of a sanitised file', () => {
  it.each([
    ['an office document made a PDF', 'report.docx', DOCX, PDF, 'report.pdf'],
    ['an upper-case extension', 'REPORT.DOCX', DOCX, PDF, 'REPORT.pdf'],
    ['a GIF re-encoded as PNG', 'photo.gif', 'image/gif', 'image/png', 'photo.png'],
    ['a JPEG named .png', 'photo.png', 'image/jpeg', 'image/jpeg', 'photo.jpg'],
    ['HTML made text', 'page.html', 'text/html', 'text/plain', 'page.txt'],
    ['an unknown extension, kept', 'minutes.v2', DOCX, PDF, 'minutes.v2.pdf'],
    ['no extension', 'scan', DOCX, PDF, 'scan.pdf'],
    // Text detected as text under a name that would run it or render it (the trial's notes.html).
    ['text named .html', 'notes.html', 'text/plain', 'text/plain', 'notes.txt'],
    ['text named .svg', 'pic.svg', 'text/plain', 'text/plain', 'pic.txt'],
    ['text named .js', 'app.js', 'text/plain', 'text/plain', 'app.txt'],
    ['text named .sh', 'run.sh', 'text/plain', 'text/plain', 'run.txt'],
    ['text named .desktop, unknown', 'x.desktop', 'text/plain', 'text/plain', 'x.desktop.txt'],
    ['text named .hta, unknown', 'a.HTA', 'text/plain', 'text/plain', 'a.HTA.txt'],
    // A name that is only an extension (the re-test's `.html`, which Chromium ran).
    ['text named only .html', '.html', 'text/plain', 'text/plain', '.html.txt'],
    ['text named only .desktop', '.desktop', 'text/plain', 'text/plain', '.desktop.txt'],
    ['text named only .SVG, in a folder', 'd/.SVG', 'text/plain', 'text/plain', 'd/.SVG.txt'],
    ['a legacy Word file made a PDF', 'doc1.doc', 'application/x-cfb', PDF, 'doc1.pdf'],
    ['a legacy Excel file made a PDF', 'small.xls', 'application/x-cfb', PDF, 'small.pdf'],
  ])('%s: %s becomes %s', (_what, name, input, output, expected) => {
    expect(sanitisedName(name, input, output)).toBe(expected);
  });

  it.each([
    ['a PDF rasterised', 'report.pdf', PDF, PDF],
    ['a JPEG re-encoded, .jpeg', 'photo.jpeg', 'image/jpeg', 'image/jpeg'],
    ['text normalised, .csv', 'notes.csv', 'text/plain', 'text/plain'],
    ['text normalised, no extension', 'README', 'text/plain', 'text/plain'],
    ['text named only an inert extension', '.txt', 'text/plain', 'text/plain'],
  ])('%s keeps its name', (_what, name, input, output) => {
    expect(sanitisedName(name, input, output)).toBeUndefined();
  });

  it('stays a safe name within the length limit, ending in the new extension', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 300 }), (raw) => {
        const { name } = safeName(raw);
        const out = sanitisedName(name, DOCX, PDF) ?? name;
        expect(new TextEncoder().encode(out).length).toBeLessThanOrEqual(NAME_MAX_BYTES);
        expect(out.toLowerCase().endsWith('.pdf')).toBe(true);
        expect(safeName(out).name).toBe(out);
      }),
    );
  });
});
