// Finds an app's executable as its compartment will (the system folders are the host's, read-only),
// so that a missing program is a clear error at launch rather than a sandbox that dies at once.
import { access, constants, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CloisonError } from '../contract/errors.js';

/** Folders that are the level's own inside a compartment. */
const LEVEL_OWN = ['/home/user/', '/tmp/'];

/** The compartments' PATH (see sandboxEnv). */
const SEARCH = ['/usr/local/bin', '/usr/bin', '/bin'];

/** `argv` with its program made absolute; APP_NOT_FOUND when it is not an executable file. */
export async function resolveArgv(argv: string[], level: string): Promise<string[]> {
  const [program, ...rest] = argv;
  if (program === undefined || program === '') {
    throw new CloisonError('APP_NOT_FOUND', 'The command is empty.');
  }
  // Inside the level's own home or /tmp, only the compartment can say (the host's view of those
  // paths is another place): the launcher's exec does, and its failure names the reason.
  if (LEVEL_OWN.some((dir) => program.startsWith(dir))) return [program, ...rest];
  const candidates = program.includes('/')
    ? program.startsWith('/')
      ? [program]
      : []
    : SEARCH.map((dir) => join(dir, program));
  for (const candidate of candidates) {
    const ok = await stat(candidate).then(
      (st) =>
        st.isFile() &&
        access(candidate, constants.X_OK).then(
          () => true,
          () => false,
        ),
      () => false,
    );
    if (ok) return [candidate, ...rest];
  }
  const where = program.includes('/')
    ? program.startsWith('/')
      ? `${program} is not an executable file`
      : `"${program}" must be absolute or a bare name found in ${SEARCH.join(', ')}`
    : `"${program}" is not in ${SEARCH.join(', ')}`;
  throw new CloisonError(
    'APP_NOT_FOUND',
    `Cannot launch in level "${level}": ${where} (compartments see the host's system folders only).`,
    { program },
  );
}
