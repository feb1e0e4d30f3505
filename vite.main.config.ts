// Electron Forge's Vite plugin builds the main process with this (and `npm run build:vite` does the
// same without Forge): one CommonJS file beside the preload, Electron and Node's modules external.
import { builtinModules } from 'node:module';
import { defineConfig } from 'vite';

export const nodeExternals = [
  'electron',
  ...builtinModules,
  ...builtinModules.map((m) => `node:${m}`),
];

export default defineConfig({
  // Node's resolution, not the browser's (ws refuses to load as a browser module).
  resolve: { conditions: ['node'], mainFields: ['module', 'main'] },
  build: {
    outDir: '.vite/build',
    emptyOutDir: false,
    target: 'node20',
    minify: false,
    sourcemap: false,
    lib: { entry: 'electron/main/main.ts', formats: ['cjs'], fileName: () => 'main.cjs' },
    rollupOptions: { external: nodeExternals },
  },
});
