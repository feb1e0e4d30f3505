// The sanitisers the broker knows, as data: the types each accepts and produces. The configuration
// validator reads this table (a rule naming an unknown sanitiser, or one that cannot take the rule's
// types, is refused); the implementations live beside it in core/sanitise/.

export interface SanitiserSpec {
  /** What a person reads in errors and audit entries. */
  description: string;
  /** Exact MIME types accepted (no wildcards): a rule's types must all be among them. */
  accepts: readonly string[];
  /** The types its output can have (what the target level receives). */
  produces: readonly string[];
  /** It runs throw-away compartments, so it takes one of the broker's conversion slots. */
  compartment: boolean;
}

/** The office formats office-to-pdf takes (as detected from the bytes; no macro-enabled ones). */
export const OFFICE_TYPES = [
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation',
  'application/vnd.oasis.opendocument.graphics',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/rtf',
  // Legacy .doc, .xls and .ppt: OLE compound files, told apart by LibreOffice from their streams.
  'application/x-cfb',
] as const;

export const sanitiserCatalogue = {
  'plain-text': {
    description:
      'valid UTF-8 only (else refused), line endings made LF, control characters but tab and newline, bidi embeddings, overrides and isolates and a leading BOM removed',
    accepts: ['text/plain'],
    produces: ['text/plain'],
    compartment: false,
  },
  'html-to-text': {
    description:
      'HTML reduced to the text a person saw (link text kept, URLs, images, scripts and styles dropped), then normalised as plain-text',
    accepts: ['text/html'],
    produces: ['text/plain'],
    compartment: false,
  },
  'image-reencode': {
    description:
      'image decoded and re-encoded (GIF as PNG), metadata dropped, animated images refused, within pixel and byte limits',
    accepts: ['image/png', 'image/jpeg', 'image/gif', 'image/webp'],
    produces: ['image/png', 'image/jpeg', 'image/webp'],
    compartment: true,
  },
  'pdf-rasterise': {
    description:
      'every page rendered to pixels by poppler in a throw-away compartment (no network, no home, memory, time and page limits), then a new PDF built from the pixels by the broker: no scripts, forms, links, attachments, fonts, text or metadata; encrypted PDFs refused',
    accepts: ['application/pdf'],
    produces: ['application/pdf'],
    compartment: true,
  },
  'office-to-pdf': {
    description:
      'an office document (OpenDocument, OOXML, RTF, legacy Microsoft Office) converted to PDF by LibreOffice in a throw-away compartment, then pdf-rasterise',
    accepts: OFFICE_TYPES,
    produces: ['application/pdf'],
    compartment: true,
  },
} as const satisfies Record<string, SanitiserSpec>;

export type SanitiserName = keyof typeof sanitiserCatalogue;

export function isSanitiserName(name: string): name is SanitiserName {
  return Object.prototype.hasOwnProperty.call(sanitiserCatalogue, name);
}
