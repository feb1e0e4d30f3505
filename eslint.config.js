// Lint rules, and the import zones of STYLE.md: a folder says where its code may run, so an import
// that crosses into the wrong runtime fails `npm test` instead of waiting for a review.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const electronOrDom = [
  { group: ['electron', 'electron/*'], message: 'core/ runs under plain Node: never Electron.' },
  { group: ['react', 'react-dom', 'react/*', 'zustand', 'zustand/*'], message: 'core/ has no UI.' },
  {
    group: ['**/electron/**', '**/renderer/**', '**/e2e/**'],
    message: 'core/ never imports the shell.',
  },
];

const nodeBuiltins = {
  group: ['node:*', 'fs', 'fs/*', 'net', 'child_process', 'path', 'os', 'http', 'crypto'],
  message:
    'This folder runs without Node: the renderer is a browser page, the preload is sandboxed.',
};
const onlyContractOfCore = {
  group: ['**/core/**', '!**/core/contract', '!**/core/contract/**'],
  message: 'Of core/, only core/contract (schemas and types) may be imported here.',
};
const ui = {
  group: ['react', 'react-dom', 'react/*', 'react-dom/*', 'zustand', 'zustand/*'],
  message: 'No UI here.',
};
const electron = { group: ['electron', 'electron/*'], message: 'Electron only in electron/.' };
const shellFolder = (names, why) => ({
  group: names.map((n) => `**/${n}/**`),
  message: why,
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.vite/**', 'out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['core/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: electronOrDom }] },
  },
  {
    files: ['tools/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    // The browser host runs under plain Node, like core/, and serves the renderer's built files.
    files: ['host/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            electron,
            ui,
            shellFolder(['electron', 'renderer', 'e2e'], 'host/ imports core/ only.'),
          ],
        },
      ],
    },
  },
  {
    // The renderer is a web page: no Node, no Electron, of core/ only the contract.
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            nodeBuiltins,
            electron,
            onlyContractOfCore,
            shellFolder(
              ['electron', 'host', 'e2e'],
              'The renderer imports itself and core/contract only.',
            ),
          ],
        },
      ],
    },
  },
  {
    // Electron's main process: windows and views; reaches the daemon through core/client.
    files: ['electron/main/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ui,
            {
              group: [
                '**/core/**',
                '!**/core/contract',
                '!**/core/contract/**',
                '!**/core/client',
                '!**/core/client/**',
                // Where a level's home is (downloads land there): path arithmetic, no I/O.
                '!**/core/state',
                '!**/core/state/paths.js',
              ],
              message:
                'electron/main imports core/contract, core/client and core/state/paths only.',
            },
            shellFolder(
              ['renderer', 'host', 'e2e', 'preload'],
              'electron/main does not import the UI, the host or the preload.',
            ),
          ],
        },
      ],
    },
  },
  {
    // The sandboxed preload forwards and holds no logic: Electron's IPC and the contract only.
    files: ['electron/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            nodeBuiltins,
            ui,
            onlyContractOfCore,
            shellFolder(
              ['renderer', 'host', 'e2e', 'main'],
              'The preload imports core/contract only.',
            ),
          ],
        },
      ],
    },
  },
  {
    // The contract is shared with the renderer and the preload: schemas and types only, no I/O.
    files: ['core/contract/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...electronOrDom,
            {
              group: ['node:*', 'fs', 'net', 'child_process', 'path', 'os'],
              message: 'core/contract/ does no I/O.',
            },
            {
              group: ['../*', '!../contract/*'],
              message: 'core/contract/ imports only itself and zod.',
            },
          ],
        },
      ],
    },
  },
);
