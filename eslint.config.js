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

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
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
