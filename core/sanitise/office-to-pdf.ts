// The office-to-pdf sanitiser: an untrusted office document (OpenDocument, OOXML, RTF, legacy
// Microsoft Office) converted to PDF by LibreOffice inside a throw-away compartment, then that PDF
// (as untrusted as the document) made pixels by pdf-rasterise in a compartment of its own. What
// crosses is the rasterised PDF only: no macro, field, link, embedded object or metadata.
import { readFile } from 'node:fs/promises';
import { assetFile } from '../assets/assets.js';
import { rendererWords, runThrowaway } from '../compartment/throwaway.js';
import { OFFICE_TYPES } from './catalogue.js';
import { rasterisePdf, rendererFailure } from './pdf-rasterise.js';
import {
  checkAccepted,
  checkBytes,
  DEFAULT_DOCUMENT_LIMITS,
  sanitiserError,
  type Sanitiser,
} from './sanitiser.js';
import { toolVersion } from './versions.js';

/** The name the document gets inside: LibreOffice picks its import filter partly by extension. */
const extension: Record<(typeof OFFICE_TYPES)[number], string> = {
  'application/vnd.oasis.opendocument.text': 'odt',
  'application/vnd.oasis.opendocument.spreadsheet': 'ods',
  'application/vnd.oasis.opendocument.presentation': 'odp',
  'application/vnd.oasis.opendocument.graphics': 'odg',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'pptx',
  'application/rtf': 'rtf',
  // Legacy .doc, .xls and .ppt alike: LibreOffice tells them apart by their streams, whatever the
  // name says (the tests send an .xls and a .ppt under this name).
  'application/x-cfb': 'doc',
};

/** The exit status of office-convert.sh when LibreOffice wrote no PDF. */
const NO_PDF = 65;
/** Its exit status when the PDF has more than the page limit (it exported one page more). */
const TOO_MANY_PAGES = 66;

let script: Promise<Buffer> | undefined;
const convertScript = () => (script ??= readFile(assetFile('office-convert.sh')));

export const officeToPdf: Sanitiser = {
  name: 'office-to-pdf',
  version: `1 (${toolVersion('libreoffice')}, ${toolVersion('poppler')})`,
  accepts: OFFICE_TYPES,
  output: () => 'application/pdf',
  async run(input, type, limits, context = { masked: [] }) {
    checkAccepted(officeToPdf, type);
    checkBytes('office-to-pdf', 'input', input, limits);
    const doc = limits.documents ?? DEFAULT_DOCUMENT_LIMITS;
    const name = `/in/document.${extension[type as keyof typeof extension]}`;
    const chunks: Buffer[] = [];
    let size = 0;
    const result = await runThrowaway({
      // The page limit goes in: LibreOffice exports no more than one page past it.
      argv: ['/bin/sh', '/in/office-convert.sh', name, String(doc.maxPages)],
      inputs: [
        { dest: '/in/office-convert.sh', data: await convertScript() },
        { dest: name, data: input },
      ],
      limits: {
        memoryBytes: doc.memoryBytes,
        cpuSeconds: doc.timeoutSeconds,
        wallSeconds: doc.timeoutSeconds,
        // LibreOffice's profile and the PDF it writes.
        tmpBytes: 128 * 1024 * 1024 + limits.maxBytes,
      },
      ...(context.account ? { account: context.account } : {}),
      masked: context.masked,
      ...(context.maskedFiles ? { maskedFiles: context.maskedFiles } : {}),
      ...(context.signal ? { signal: context.signal } : {}),
      onStdout: (chunk) => {
        size += chunk.length;
        if (size > limits.maxBytes) {
          throw sanitiserError(
            'office-to-pdf',
            'TOO_LARGE',
            `LibreOffice made a PDF of more than ${limits.maxBytes} bytes from the document, over the limit.`,
            { maxBytes: limits.maxBytes },
          );
        }
        chunks.push(chunk);
      },
    });
    if (result.stopped !== undefined) throw result.stopped;
    if (result.code === TOO_MANY_PAGES && !result.timedOut) {
      // Refused before the PDF left LibreOffice's compartment: nothing was rendered.
      throw sanitiserError(
        'office-to-pdf',
        'TOO_LARGE',
        `The document has more than ${doc.maxPages} pages, over the limit of ${doc.maxPages} pages.`,
        { maxPages: doc.maxPages, limit: 'pages' },
      );
    }
    if (result.code === NO_PDF && !result.timedOut) {
      // LibreOffice ran and could not read it; its Java warning says nothing about the document.
      const words = rendererWords(result.stderr.replace(/^.*javaldx.*$/gm, ''));
      throw sanitiserError(
        'office-to-pdf',
        'BAD_CONTENT',
        `LibreOffice cannot read the document${words ? `: ${words}` : ''}.`,
      );
    }
    if (result.timedOut || result.code !== 0)
      throw rendererFailure('office-to-pdf', 'document', result, doc);
    const pdf = new Uint8Array(Buffer.concat(chunks));
    // Still untrusted: rendered in a compartment of its own, like any PDF from a level.
    return rasterisePdf('office-to-pdf', pdf, limits, context);
  },
};
