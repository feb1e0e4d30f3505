import { describe, expect, it } from 'vitest';
import { CloisonError } from '../contract/errors.js';
import { sanitiserCatalogue } from './catalogue.js';
import { runSanitiser, sanitisers } from './index.js';

const limits = { maxBytes: 1024, maxPixels: 1000 };

describe('the sanitiser registry', () => {
  it('has one implementation per catalogue name, accepting the catalogue types', () => {
    expect([...sanitisers.keys()].sort()).toEqual(Object.keys(sanitiserCatalogue).sort());
    for (const [name, sanitiser] of sanitisers) {
      expect(sanitiser.name).toBe(name);
      expect(sanitiser.accepts).toEqual(sanitiserCatalogue[name].accepts);
      expect(sanitiser.version).toMatch(/^\d/);
    }
  });
});

describe('runSanitiser', () => {
  it('returns the output, its type and the version', async () => {
    const result = await runSanitiser(
      'plain-text',
      new TextEncoder().encode('a\r\n'),
      'Text/Plain; charset=utf-8',
      limits,
    );
    expect(result).toEqual({
      bytes: new TextEncoder().encode('a\n'),
      type: 'text/plain',
      version: '1',
    });
  });

  it('refuses an unknown sanitiser by name', async () => {
    const error = await runSanitiser('pdf-ocr', new Uint8Array(), 'application/pdf', limits).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CloisonError);
    expect(error).toMatchObject({
      code: 'SANITISER_FAILED',
      message: 'There is no sanitiser named "pdf-ocr".',
    });
  });
});
