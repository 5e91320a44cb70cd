// The console's build: exactly dist/index.html, dist/assets/app.js and dist/assets/app.css,
// one chunk, no public files, the same bytes for the same sources (CI rebuilds and diffs
// dist/, which the admin crate embeds with include_bytes!).
import { defineConfig } from 'vite';

// `npm run dev`: the API of `renkei admin serve` (an unauthenticated operator), proxied so the
// console and the API share an origin as they do when the stack serves it.
const api = process.env.RENKEI_API ?? 'http://127.0.0.1:8791';

export default defineConfig({
  base: '/console/',
  publicDir: false,
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact', legalComments: 'none' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: false,
    cssCodeSplit: false,
    sourcemap: false,
    assetsInlineLimit: 0,
    reportCompressedSize: false,
    rollupOptions: {
      output: {
        entryFileNames: 'assets/app.js',
        assetFileNames: 'assets/app[extname]',
        inlineDynamicImports: true,
      },
    },
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: { '/v1': api, '/onboarding': api },
  },
});
