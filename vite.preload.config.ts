// The sandboxed preload, built by Forge's Vite plugin (or `npm run build:vite`): one CommonJS file
// with nothing but Electron external, as a sandboxed preload must be.
import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    outDir: '.vite/build',
    emptyOutDir: false,
    target: 'node20',
    minify: false,
    lib: { entry: 'electron/preload/preload.ts', formats: ['cjs'], fileName: () => 'preload.cjs' },
    rollupOptions: { external: ['electron'] },
  },
});
