import { supportedExtensions, supportedMimeTypes } from 'file-type';
import { describe, expect, it } from 'vitest';
import { fileTypeExtensions, otherExtensions } from './extensions.js';
import { extensionMismatch, extensionOf } from './mismatch.js';
import { normaliseMime } from './types.js';

describe('extensionMismatch', () => {
  describe('names the contradiction when the extension announces another type', () => {
    it.each([
      [
        'report.pdf',
        'image/png',
        'the name says .pdf (application/pdf) but the bytes are image/png',
      ],
      [
        'photo.JPG',
        'application/pdf',
        'the name says .jpg (image/jpeg) but the bytes are application/pdf',
      ],
      [
        'notes.txt',
        'application/x-msdownload',
        'the name says .txt (text/plain) but the bytes are application/x-msdownload',
      ],
      [
        'data.csv',
        'application/zip',
        'the name says .csv (text/csv) but the bytes are application/zip',
      ],
      [
        'page.html',
        'application/octet-stream',
        'the name says .html (text/html) but the bytes are application/octet-stream',
      ],
      [
        'dir.v2/archive.tar.gz',
        'image/png',
        'the name says .tar.gz (application/gzip) but the bytes are image/png',
      ],
      [
        'letter.docx',
        'application/octet-stream',
        'the name says .docx (application/vnd.openxmlformats-officedocument.wordprocessingml.document) but the bytes are application/octet-stream',
      ],
    ])('%s holding %s', (name, type, sentence) => {
      expect(extensionMismatch(name, type)).toBe(sentence);
    });
  });

  describe('says nothing when they agree, or when nothing is announced', () => {
    it.each([
      ['report.pdf', 'application/pdf'],
      ['REPORT.PDF', 'Application/PDF'],
      ['photo.jpeg', 'image/jpeg'],
      ['notes.md', 'text/plain'],
      ['config.json', 'text/plain'],
      ['fragment.html', 'text/plain'],
      ['page.htm', 'text/html'],
      ['README', 'image/png'],
      ['.bashrc', 'text/plain'],
      ['trailing.', 'image/png'],
      ['archive.unknownext', 'image/png'],
      ['dir.pdf/notes', 'text/plain'],
    ])('%s holding %s', (name, type) => {
      expect(extensionMismatch(name, type)).toBeUndefined();
    });
  });
});

describe('extensionOf', () => {
  it.each([
    ['a/b/c.PNG', 'png'],
    ['c:\\x\\y.Pdf', 'pdf'],
    ['old.Z', 'Z'],
    ['x.tar.gz', 'tar.gz'],
    ['.tar.gz', 'gz'],
    ['noext', undefined],
    ['.hidden', undefined],
  ])('%s → %s', (name, extension) => {
    expect(extensionOf(name)).toBe(extension);
  });
});

describe('the extension tables', () => {
  it('still match what file-type supports (regenerate fileTypeExtensions if not)', () => {
    const mimes = new Set([...supportedMimeTypes].map(normaliseMime));
    expect(Object.keys(fileTypeExtensions).sort()).toEqual([...supportedExtensions].sort());
    for (const types of Object.values(fileTypeExtensions)) {
      for (const type of types) expect(mimes.has(type), type).toBe(true);
    }
  });

  it('use lower-case types without parameters', () => {
    for (const types of [...Object.values(fileTypeExtensions), ...Object.values(otherExtensions)]) {
      for (const type of types) expect(type).toBe(normaliseMime(type));
    }
  });
});
