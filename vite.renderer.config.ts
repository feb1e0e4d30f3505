// The shell's renderer, built by Forge's Vite plugin (or `npm run build:vite`) into the folder the
// main process serves from its protocol: index.html, shell.js and shell.css, as tools/bundle.mjs
// lays them out for the browser host.
import { defineConfig, type Plugin } from 'vite';

/** index.html names the bundles; Vite needs the sources, which it then bundles under those names. */
const sources: Plugin = {
  name: 'cloison-renderer-sources',
  transformIndexHtml: {
    order: 'pre',
    handler: (html) =>
      html.replace('/assets/shell.js', '/main.tsx').replace('/assets/shell.css', '/shell.css'),
  },
};

export default defineConfig({
  root: 'renderer',
  base: '/assets/',
  plugins: [sources],
  define: { 'process.env.NODE_ENV': '"production"' },
  build: {
    outDir: '../.vite/renderer',
    emptyOutDir: true,
    target: 'chrome120',
    rollupOptions: {
      output: {
        entryFileNames: 'shell.js',
        assetFileNames: (info) =>
          info.names?.[0]?.endsWith('.css') ? 'shell.css' : '[name][extname]',
      },
    },
  },
});
