// Launch commands are found as the compartment will find them, or refused with a sentence.
import { describe, expect, it } from 'vitest';
import { resolveArgv } from './argv.js';

describe('resolveArgv', () => {
  it('makes a bare name absolute from the compartment’s PATH, arguments untouched', async () => {
    expect(await resolveArgv(['sh', '-c', 'echo $HOME; rm -rf /'], 'office')).toEqual([
      '/usr/bin/sh',
      '-c',
      'echo $HOME; rm -rf /',
    ]);
  });

  it('leaves a program in the level’s own home or /tmp to the compartment to find', async () => {
    expect(await resolveArgv(['/home/user/bin/tool', '-v'], 'office')).toEqual([
      '/home/user/bin/tool',
      '-v',
    ]);
    expect(await resolveArgv(['/tmp/build/run'], 'office')).toEqual(['/tmp/build/run']);
  });

  it.each([
    [['no-such-program-here'], /"no-such-program-here" is not in/],
    [['/usr/bin/no-such'], /\/usr\/bin\/no-such is not an executable file/],
    [['./relative'], /must be absolute or a bare name/],
    [['/etc/passwd'], /not an executable file/],
    [['/usr/bin'], /not an executable file/],
  ])('refuses %j with APP_NOT_FOUND', async (argv, message) => {
    await expect(resolveArgv(argv, 'office')).rejects.toMatchObject({
      code: 'APP_NOT_FOUND',
      message,
    });
  });
});
