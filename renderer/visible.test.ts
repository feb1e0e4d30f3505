// What the shell shows of a name from a level: nothing that reorders or hides the text around it.
import { describe, expect, it } from 'vitest';
import { visible } from './visible.js';

describe('visible', () => {
  it.each([
    ['a right-to-left override', 'report\u202Efdp.exe', 'report⟨U+202E⟩fdp.exe'],
    ['an isolate', 'a\u2067b\u2069c', 'a⟨U+2067⟩b⟨U+2069⟩c'],
    ['a newline and an escape', 'line1\nline2\u001b[31m', 'line1⟨U+000A⟩line2⟨U+001B⟩[31m'],
    ['a zero-width space and a BOM', 'in\u200Bvoice\uFEFF', 'in⟨U+200B⟩voice⟨U+FEFF⟩'],
    ['a C1 control', 'x\u009by', 'x⟨U+009B⟩y'],
    ['ordinary text, accents and emoji alike', 'Café 📁 déjà-vu.pdf', 'Café 📁 déjà-vu.pdf'],
  ])('writes out %s', (_, text, shown) => {
    expect(visible(text)).toBe(shown);
  });
});
