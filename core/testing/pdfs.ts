// PDFs the sanitiser tests make themselves: real documents with the features a sanitiser must
// remove (JavaScript, links, an attachment, metadata, fonts, text), and hostile shapes (10,000
// pages, a page the size of a building). Written object by object with a correct cross-reference
// table, so that poppler, qpdf and every other reader take them as ordinary files.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Objects (1-based ids) to a PDF file; `trailer` is added to the trailer dictionary. */
export function writePdf(objects: (string | Buffer)[], trailer = ''): Buffer {
  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let size = parts[0]!.length;
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(size);
    const chunk = Buffer.concat([
      Buffer.from(`${i + 1} 0 obj\n`, 'latin1'),
      typeof body === 'string' ? Buffer.from(body, 'latin1') : body,
      Buffer.from('\nendobj\n', 'latin1'),
    ]);
    parts.push(chunk);
    size += chunk.length;
  });
  const xref = [`xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`];
  for (const o of offsets) xref.push(`${String(o).padStart(10, '0')} 00000 n \n`);
  xref.push(
    `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R ${trailer}>>\nstartxref\n${size}\n%%EOF\n`,
  );
  parts.push(Buffer.from(xref.join(''), 'latin1'));
  return Buffer.concat(parts);
}

export function stream(dict: string, data: string | Buffer): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  return Buffer.concat([
    Buffer.from(`<< ${dict} /Length ${bytes.length} >>\nstream\n`, 'latin1'),
    bytes,
    Buffer.from('\nendstream', 'latin1'),
  ]);
}

/**
 * A letter-size document of `pages` pages, each with text in Helvetica and a coloured square
 * whose place depends on the page (so pages look different), and everything pdf-rasterise must
 * drop: an OpenAction with JavaScript, a link annotation per page, an attached file, an Info
 * dictionary and an XMP metadata stream. Every secret holds the word SECRET.
 */
export function hostilePdf(pages: number): Buffer {
  const objects: (string | Buffer)[] = [];
  const pageIds = Array.from({ length: pages }, (_, i) => 10 + i * 3);
  objects[0] =
    '<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R /Names << /EmbeddedFiles 6 0 R >> /Metadata 7 0 R >>';
  objects[1] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pages} >>`;
  objects[2] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>';
  objects[3] = '<< /Title (SECRET-TITLE) /Author (SECRET-AUTHOR) /Producer (a test) >>';
  objects[4] = "<< /Type /Action /S /JavaScript /JS (app.alert\\('SECRET-SCRIPT'\\);) >>";
  objects[5] = '<< /Names [(secret.txt) 8 0 R] >>';
  objects[6] = stream(
    '/Type /Metadata /Subtype /XML',
    '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>SECRET-XMP</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>',
  );
  objects[7] = '<< /Type /Filespec /F (secret.txt) /UF (secret.txt) /EF << /F 9 0 R >> >>';
  objects[8] = stream('/Type /EmbeddedFile', 'SECRET-ATTACHMENT: the plans');
  for (let i = 0; i < pages; i++) {
    const [page, content, link] = [10 + i * 3, 11 + i * 3, 12 + i * 3];
    const y = 150 + ((i * 137) % 400);
    objects[page - 1] =
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${content} 0 R /Annots [${link} 0 R] >>`;
    objects[content - 1] = stream(
      '',
      `0.8 0.1 0.1 rg 72 ${y} 250 200 re f BT /F1 36 Tf 72 700 Td (Page ${i + 1}: quarterly plan) Tj ET`,
    );
    objects[link - 1] =
      '<< /Type /Annot /Subtype /Link /Rect [72 690 400 740] /Border [0 0 0] /A << /S /URI /URI (https://evil.example/SECRET-LINK) >> >>';
  }
  return writePdf(objects, '/Info 4 0 R ');
}

/** `pages` pages of `widthPt` × `heightPt` points sharing one tiny content stream. */
export function plainPdf(pages: number, widthPt = 612, heightPt = 792): Buffer {
  const objects: string[] = [];
  const first = 4;
  objects[0] = '<< /Type /Catalog /Pages 2 0 R >>';
  const kids: string[] = [];
  for (let i = 0; i < pages; i++) kids.push(`${first + i} 0 R`);
  objects[1] = `<< /Type /Pages /Kids [${kids.join(' ')}] /Count ${pages} >>`;
  objects[2] = stream('', '0 0 1 rg 0 0 1 1 re f').toString('latin1');
  for (let i = 0; i < pages; i++) {
    objects[first - 1 + i] =
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${widthPt} ${heightPt}] /Contents 3 0 R >>`;
  }
  return writePdf(objects);
}

/** Runs a tool on `pdf` written to a temporary file; stdout (and stderr after it). */
export function onPdf(pdf: Uint8Array, tool: string, args: (file: string) => string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'cloison-pdf-'));
  try {
    const file = join(dir, 'doc.pdf');
    writeFileSync(file, pdf);
    try {
      return execFileSync(tool, args(file), {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string };
      return `${e.stdout ?? ''}${e.stderr ?? ''}`;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The pages of `pdf` rendered by pdftoppm outside any compartment, as PPM files' bytes. */
export function renderPages(pdf: Uint8Array, dpi: number): Buffer[] {
  const dir = mkdtempSync(join(tmpdir(), 'cloison-render-'));
  try {
    const file = join(dir, 'doc.pdf');
    writeFileSync(file, pdf);
    execFileSync('pdftoppm', ['-r', String(dpi), file, join(dir, 'p')], { stdio: 'ignore' });
    const names = execFileSync('ls', [dir], { encoding: 'utf8' })
      .split('\n')
      .filter((n) => n.endsWith('.ppm'))
      .sort();
    return names.map((n) => readFileSync(join(dir, n)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
