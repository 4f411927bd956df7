// Build of the app: React, DuckDB-WASM bundles as same-origin assets, a strict CSP, and a precaching service worker.
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { CONTENT_SECURITY_POLICY } from './scripts/csp.mjs';

/** Put the Content-Security-Policy into the built page (not in dev, where Vite injects inline styles and HMR). */
function contentSecurityPolicy(): Plugin {
  return {
    name: 'driftline-csp',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler: () => [
        { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY }, injectTo: 'head-prepend' },
      ],
    },
  };
}

export default defineConfig({
  base: './',
  plugins: [
    react(),
    contentSecurityPolicy(),
    VitePWA({
      registerType: 'autoUpdate',
      injectRegister: 'script-defer',
      manifest: {
        name: 'Driftline',
        short_name: 'Driftline',
        description: 'Offline workbench for non-human identity security',
        theme_color: '#12263a',
        background_color: '#f6f7f9',
        display: 'standalone',
        icons: [{ src: 'driftline.svg', sizes: 'any', type: 'image/svg+xml' }],
      },
      // Our own service worker (src/sw.ts): Workbox's precache held the wasm bundles in the tab's memory (see there).
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      injectManifest: {
        // The wasm bundles are 34-39 MB; the 2 MB default would silently leave them out of the precache.
        maximumFileSizeToCacheInBytes: 64 * 1024 * 1024,
        globPatterns: ['**/*.{js,css,html,svg,wasm,json,csv,ndjson,gz,txt}'],
        rollupFormat: 'iife',
        // Unminified: the manifest goes where `self.__WB_MANIFEST` is written, which a minifier renames.
        minify: false,
      },
    }),
  ],
  optimizeDeps: { exclude: ['@duckdb/duckdb-wasm'] },
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: false, chunkSizeWarningLimit: 2048 },
});
