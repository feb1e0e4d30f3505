// The sanitisers the broker knows, as data: the types each accepts and produces. The configuration
// validator reads this table (a rule naming an unknown sanitiser, or one that cannot take the rule's
// types, is refused); the implementations live beside it in core/sanitise/.

export interface SanitiserSpec {
  /** What a person reads in errors and audit entries. */
  description: string;
  /** Exact MIME types accepted (no wildcards): a rule's types must all be among them. */
  accepts: readonly string[];
}

export const sanitiserCatalogue = {
  'plain-text': {
    description:
      'valid UTF-8 only (else refused), line endings made LF, control characters but tab and newline, bidi embeddings, overrides and isolates and a leading BOM removed',
    accepts: ['text/plain'],
  },
  'html-to-text': {
    description:
      'HTML reduced to the text a person saw (link text kept, URLs, images, scripts and styles dropped), then normalised as plain-text',
    accepts: ['text/html'],
  },
  'image-reencode': {
    description:
      'image decoded and re-encoded (GIF as PNG), metadata dropped, animated images refused, within pixel and byte limits',
    accepts: ['image/png', 'image/jpeg', 'image/gif', 'image/webp'],
  },
} as const satisfies Record<string, SanitiserSpec>;

export type SanitiserName = keyof typeof sanitiserCatalogue;

export function isSanitiserName(name: string): name is SanitiserName {
  return Object.prototype.hasOwnProperty.call(sanitiserCatalogue, name);
}
