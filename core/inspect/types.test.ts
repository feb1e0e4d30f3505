import { describe, expect, it } from 'vitest';
import {
  isKnownType,
  isKnownTypePattern,
  knownTypes,
  mimeMatches,
  normaliseMime,
} from './types.js';

describe('known types', () => {
  it('include the text types, octet-stream and the binary formats file-type detects', () => {
    for (const type of [
      'text/plain',
      'text/html',
      'application/octet-stream',
      'image/png',
      'application/pdf',
      'application/zip',
    ]) {
      expect(knownTypes.has(type), type).toBe(true);
    }
  });

  it('are all lower case and without parameters, as rule patterns are written', () => {
    for (const type of knownTypes) expect(type).toBe(normaliseMime(type));
    expect(knownTypes.has('audio/ogg')).toBe(true);
  });

  it.each([
    ['image/png', true],
    ['IMAGE/PNG', true],
    ['text/plain; charset=utf-8', true],
    ['image/x-unicorn', false],
    ['text/markdown', false],
    ['', false],
  ])('isKnownType(%j) is %s', (type, known) => {
    expect(isKnownType(type)).toBe(known);
  });

  it.each([
    ['*/*', true],
    ['image/*', true],
    ['text/*', true],
    ['application/pdf', true],
    ['chemical/*', false],
    ['image/x-unicorn', false],
    ['*/png', false],
    ['image', false],
  ])('isKnownTypePattern(%j) is %s', (pattern, known) => {
    expect(isKnownTypePattern(pattern)).toBe(known);
  });
});

describe('mimeMatches', () => {
  it.each([
    ['text/plain', 'text/plain', true],
    ['text/plain', 'Text/Plain; charset=utf-8', true],
    ['text/plain', 'text/html', false],
    ['text/*', 'text/html', true],
    ['text/*', 'TEXT/HTML', true],
    ['text/*', 'image/png', false],
    ['text/*', 'textual/plain', false],
    ['*/*', 'application/octet-stream', true],
    ['*/*', 'garbage', true],
    ['image/*', 'garbage', false],
    ['image/*', 'image/', false],
    ['image/png', 'image/png+extra', false],
  ])('pattern %j against %j is %s', (pattern, type, matches) => {
    expect(mimeMatches(pattern, type)).toBe(matches);
  });
});
