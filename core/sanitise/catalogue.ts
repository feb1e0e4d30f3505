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
      'valid UTF-8 only, line endings normalised, control and bidi override characters removed',
    accepts: ['text/plain'],
  },
  'html-to-text': {
    description: 'HTML reduced to its plain text, then normalised as plain-text',
    accepts: ['text/html'],
  },
  'image-reencode': {
    description: 'image decoded and re-encoded, metadata dropped, within pixel and byte limits',
    accepts: ['image/png', 'image/jpeg', 'image/gif', 'image/webp'],
  },
} as const satisfies Record<string, SanitiserSpec>;

export type SanitiserName = keyof typeof sanitiserCatalogue;

export function isSanitiserName(name: string): name is SanitiserName {
  return Object.prototype.hasOwnProperty.call(sanitiserCatalogue, name);
}
