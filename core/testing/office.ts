// Office documents the office-to-pdf tests make themselves: a two-page .docx, an .odt, a two-sheet
// .ods and .xlsx and a three-slide .odp, written part by part into their ZIP containers by Python's
// zipfile (python3 is a test dependency), with metadata and text that must not cross; and the legacy
// .xls and .ppt and an OOXML .pptx saved from those by LibreOffice itself.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const zip = `
import io, sys, zipfile, json
parts = json.loads(sys.stdin.read())
out = io.BytesIO()
with zipfile.ZipFile(out, 'w') as z:
    for name, data, stored in parts:
        z.writestr(name, data, zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
sys.stdout.buffer.write(out.getvalue())
`;

function zipOf(parts: [string, string, boolean][]): Buffer {
  return execFileSync('python3', ['-c', zip], { input: JSON.stringify(parts) });
}

/** A .docx of two pages (a page break between): "Quarterly plan SECRET-DOCX", then "Second page". */
export function docx(): Buffer {
  return zipOf([
    [
      '[Content_Types].xml',
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>',
      false,
    ],
    [
      '_rels/.rels',
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>',
      false,
    ],
    [
      'word/document.xml',
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:rPr><w:sz w:val="96"/></w:rPr><w:t>Quarterly plan SECRET-DOCX</w:t></w:r></w:p><w:p><w:r><w:br w:type="page"/></w:r></w:p><w:p><w:r><w:rPr><w:sz w:val="96"/></w:rPr><w:t>Second page</w:t></w:r></w:p></w:body></w:document>',
      false,
    ],
    [
      'docProps/core.xml',
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>SECRET-TITLE</dc:title><dc:creator>SECRET-AUTHOR</dc:creator></cp:coreProperties>',
      false,
    ],
  ]);
}

/** An .odt of one page: "Quarterly plan SECRET-ODT", with a title and an author in meta.xml. */
export function odt(): Buffer {
  return zipOf([
    // The first entry, stored: how readers (and file-type) know an OpenDocument.
    ['mimetype', 'application/vnd.oasis.opendocument.text', true],
    [
      'META-INF/manifest.xml',
      '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/><manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/></manifest:manifest>',
      false,
    ],
    [
      'content.xml',
      '<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:text><text:h>Quarterly plan SECRET-ODT</text:h><text:p>A paragraph of the plan.</text:p></office:text></office:body></office:document-content>',
      false,
    ],
    [
      'meta.xml',
      '<?xml version="1.0" encoding="UTF-8"?><office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" office:version="1.2"><office:meta><dc:title>SECRET-TITLE</dc:title><meta:initial-creator>SECRET-AUTHOR</meta:initial-creator></office:meta></office:document-meta>',
      false,
    ],
  ]);
}

const ODF_NS =
  'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"';

/** An OpenDocument of `mime` with `body` in content.xml, a title and an author in meta.xml. */
function odf(mime: string, body: string): Buffer {
  return zipOf([
    ['mimetype', mime, true],
    [
      'META-INF/manifest.xml',
      `<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="${mime}"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/><manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/></manifest:manifest>`,
      false,
    ],
    [
      'content.xml',
      `<?xml version="1.0" encoding="UTF-8"?><office:document-content ${ODF_NS} office:version="1.2"><office:body>${body}</office:body></office:document-content>`,
      false,
    ],
    [
      'meta.xml',
      `<?xml version="1.0" encoding="UTF-8"?><office:document-meta ${ODF_NS} office:version="1.2"><office:meta><dc:title>SECRET-TITLE</dc:title><meta:initial-creator>SECRET-AUTHOR</meta:initial-creator></office:meta></office:document-meta>`,
      false,
    ],
  ]);
}

/** An .ods of two sheets (a page each): "Quarterly plan SECRET-ODS" in the first, a number in the second. */
export function ods(): Buffer {
  const cell = (text: string) =>
    `<table:table-row><table:table-cell office:value-type="string"><text:p>${text}</text:p></table:table-cell></table:table-row>`;
  return odf(
    'application/vnd.oasis.opendocument.spreadsheet',
    `<office:spreadsheet><table:table table:name="Plan">${cell('Quarterly plan SECRET-ODS')}</table:table><table:table table:name="Budget">${cell('Budget: 42')}</table:table></office:spreadsheet>`,
  );
}

/** An .odp of three slides (a page each), "Slide N SECRET-ODP" on each. */
export function odp(): Buffer {
  const slide = (n: number) =>
    `<draw:page draw:name="s${n}"><draw:frame svg:x="2cm" svg:y="2cm" svg:width="20cm" svg:height="5cm"><draw:text-box><text:p>Slide ${n} SECRET-ODP</text:p></draw:text-box></draw:frame></draw:page>`;
  return odf(
    'application/vnd.oasis.opendocument.presentation',
    `<office:presentation>${slide(1)}${slide(2)}${slide(3)}</office:presentation>`,
  );
}

/** An .xlsx of two sheets (a page each): "Quarterly plan SECRET-XLSX", then a number. */
export function xlsx(): Buffer {
  const main = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
  const rel = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
  const sheet = (text: string) =>
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="${main}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>${text}</t></is></c></row></sheetData></worksheet>`;
  return zipOf([
    [
      '[Content_Types].xml',
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>',
      false,
    ],
    [
      '_rels/.rels',
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>',
      false,
    ],
    [
      'xl/workbook.xml',
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="${main}" xmlns:r="${rel}"><sheets><sheet name="Plan" sheetId="1" r:id="rId1"/><sheet name="Budget" sheetId="2" r:id="rId2"/></sheets></workbook>`,
      false,
    ],
    [
      'xl/_rels/workbook.xml.rels',
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="${rel}/worksheet" Target="worksheets/sheet2.xml"/></Relationships>`,
      false,
    ],
    ['xl/worksheets/sheet1.xml', sheet('Quarterly plan SECRET-XLSX'), false],
    ['xl/worksheets/sheet2.xml', sheet('Budget: 42'), false],
    [
      'docProps/core.xml',
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>SECRET-TITLE</dc:title><dc:creator>SECRET-AUTHOR</dc:creator></cp:coreProperties>',
      false,
    ],
  ]);
}

/**
 * `document` saved by LibreOffice itself (outside any compartment: a fixture, made from the test's
 * own document) as `format` ("xls", "ppt", "pptx"): the legacy and OOXML files real office suites
 * write. `ext` is the source's extension, which LibreOffice reads it by.
 */
export function convertedByLibreOffice(document: Buffer, ext: string, format: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'cloison-office-'));
  try {
    const source = join(dir, `document.${ext}`);
    writeFileSync(source, document);
    execFileSync(
      'soffice',
      [
        '--headless',
        '--norestore',
        `-env:UserInstallation=file://${dir}/profile`,
        '--convert-to',
        format,
        '--outdir',
        join(dir, 'out'),
        source,
      ],
      { stdio: 'ignore', timeout: 120_000 },
    );
    return readFileSync(join(dir, 'out', `document.${format}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
