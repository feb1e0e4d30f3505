import { describe, expect, it } from 'vitest';
import { debuggingSwitches, kioskSwallows, type KeyInput } from './kiosk-keys.js';

const press = (key: string, mods: Partial<KeyInput> = {}): KeyInput => ({
  type: 'keyDown',
  key,
  control: false,
  alt: false,
  shift: false,
  meta: false,
  ...mods,
});
const ctrl = { control: true };

describe('kiosk keys', () => {
  describe('swallowed before any view', () => {
    it.each([
      ['Alt+F4', press('F4', { alt: true }), 'close window'],
      ['Ctrl+W', press('w', ctrl), 'close tab'],
      ['Ctrl+Shift+W', press('W', { control: true, shift: true }), 'close tab'],
      ['Ctrl+Q', press('q', ctrl), 'quit'],
      ['Meta+Q', press('q', { meta: true }), 'quit'],
      ['F11', press('F11'), 'full screen'],
      ['Ctrl+Shift+I', press('I', { control: true, shift: true }), 'developer tools'],
      ['Ctrl+Shift+J', press('J', { control: true, shift: true }), 'console'],
      ['F12', press('F12'), 'developer tools'],
      ['Shift+F12', press('F12', { shift: true }), 'developer tools'],
      ['Ctrl+P', press('p', ctrl), 'print'],
      ['Ctrl+R', press('r', ctrl), 'reload'],
      ['Ctrl+Shift+R', press('R', { control: true, shift: true }), 'reload'],
      ['F5', press('F5'), 'reload'],
      ['Ctrl+=', press('=', ctrl), 'zoom in'],
      ['Ctrl+Shift++', press('+', { control: true, shift: true }), 'zoom in'],
      ['Ctrl+-', press('-', ctrl), 'zoom out'],
      ['Ctrl+0', press('0', ctrl), 'reset zoom'],
      ['Ctrl+N', press('n', ctrl), 'new window'],
      ['Alt+Left', press('ArrowLeft', { alt: true }), 'back'],
      ['the key-up of Ctrl+W', { ...press('w', ctrl), type: 'keyUp' }, 'close tab'],
    ])('%s', (_name, input, swallowed) => {
      expect(kioskSwallows(input)).toBe(swallowed);
    });

    it('swallows Escape only while a page holds full screen', () => {
      expect(kioskSwallows(press('Escape'), { inFullScreen: true })).toBe('leave full screen');
      expect(kioskSwallows(press('Escape'), { inFullScreen: false })).toBeUndefined();
    });
  });

  describe('passed on', () => {
    it.each([
      ['the shell’s level switch Ctrl+Alt+1', press('1', { control: true, alt: true })],
      ['the shell’s capture Ctrl+Shift+C', press('C', { control: true, shift: true })],
      ['the shell’s paste Ctrl+Shift+V', press('V', { control: true, shift: true })],
      ['plain typing w, q, r, p', press('w')],
      ['F4 without Alt', press('F4')],
      ['Shift+I without Ctrl', press('I', { shift: true })],
      ['Ctrl+I without Shift (italics)', press('i', ctrl)],
      ['a mouse event', { ...press('w', ctrl), type: 'mouseDown' }],
    ])('%s', (_name, input) => {
      expect(kioskSwallows(input)).toBeUndefined();
    });
  });

  describe('debugging switches', () => {
    it('finds every switch that opens a debugger, and nothing else', () => {
      expect(
        debuggingSwitches([
          '/usr/lib/cloison/cloison',
          '--kiosk',
          '--remote-debugging-port=9222',
          '--remote-debugging-pipe',
          '--inspect',
          '--inspect-brk=9229',
          '--js-flags=--allow-natives-syntax',
          '--state',
          '/var/lib/cloison',
          '--remote-debugging-portal',
          '-remote-debugging-port=9377',
        ]),
      ).toEqual([
        '--remote-debugging-port=9222',
        '--remote-debugging-pipe',
        '--inspect',
        '--inspect-brk=9229',
        '--js-flags=--allow-natives-syntax',
        '-remote-debugging-port=9377',
      ]);
    });
  });
});
