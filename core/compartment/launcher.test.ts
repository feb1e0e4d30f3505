// The launcher's protocol, as tables: requests are encoded without loss or refused whole, and an
// answer line is believed only in its exact form (it comes from inside a level).
import { describe, expect, it } from 'vitest';
import { CloisonError } from '../contract/errors.js';
import { encodeLaunch, encodeSignal, parseAnswer } from './launcher.js';

describe('the launcher protocol', () => {
  describe('a launch request', () => {
    it('ends every field with a NUL and counts the environment and the arguments', () => {
      const bytes = encodeLaunch('l1', {
        argv: ['/usr/bin/xterm', '-T', 'a title with spaces'],
        env: { HOME: '/home/user', LANG: 'C.UTF-8' },
        cwd: '/home/user',
      });
      expect(bytes.toString('utf8').split('\0')).toEqual([
        'launch',
        'l1',
        '/home/user',
        '2',
        'HOME=/home/user',
        'LANG=C.UTF-8',
        '3',
        '/usr/bin/xterm',
        '-T',
        'a title with spaces',
        '',
      ]);
    });

    it.each([
      ['an argument', { argv: ['/bin/echo', 'a\0b'], env: {}, cwd: '/' }],
      ['an environment value', { argv: ['/bin/echo'], env: { X: 'a\0b' }, cwd: '/' }],
      ['the folder', { argv: ['/bin/echo'], env: {}, cwd: '/\0' }],
    ])('refuses a NUL in %s rather than cut it', (_what, request) => {
      expect(() => encodeLaunch('l2', request)).toThrow(CloisonError);
    });

    it('refuses an empty command', () => {
      expect(() => encodeLaunch('l3', { argv: [], env: {}, cwd: '/' })).toThrow(/empty/);
      expect(() => encodeLaunch('l3', { argv: [''], env: {}, cwd: '/' })).toThrow(/empty/);
    });

    it('encodes a signal to an app’s process group', () => {
      expect(encodeSignal(42, 15).toString()).toBe('signal\x0042\x0015\0');
    });
  });

  describe('an answer line', () => {
    it.each([
      ['ready', { kind: 'ready' }],
      ['started\tl7\t12', { kind: 'started', tag: 'l7', pid: 12 }],
      [
        'failed\tl7\t/tmp/x: No such file or directory',
        { kind: 'failed', tag: 'l7', reason: '/tmp/x: No such file or directory' },
      ],
      ['exited\t12\t0', { kind: 'exited', pid: 12, status: 0 }],
      ['exited\t12\t137', { kind: 'exited', pid: 12, status: 137 }],
    ])('reads %j', (line, answer) => {
      expect(parseAnswer(line)).toEqual(answer);
    });

    it.each([
      '',
      'ready\textra',
      'started\tl7',
      'started\tl7\t0',
      'started\tl7\t-3',
      'started\tl7\t12\textra',
      'started\tl 7\t12',
      'exited\t12\t1000',
      'exited\tx\t0',
      'exited\t12\t',
      'hello\tl7\t12',
    ])('ignores %j', (line) => {
      expect(parseAnswer(line)).toBeUndefined();
    });
  });
});
