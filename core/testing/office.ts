// Office documents the office-to-pdf tests make themselves: a two-page .docx and an .odt, written
// part by part into their ZIP containers by Python's zipfile (python3 is a test dependency), with
// metadata and text that must not cross.
import { execFileSync } from 'node:child_process';

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
