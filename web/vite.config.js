// vite.config.js — builds the browser UI into web/dist, served by `xunji serve`
// from the same origin as the API. No inline scripts (strict CSP: script-src 'self').
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

export default defineConfig({
  plugins: [vue()],
  build: {
    // offices use Chromium-based browsers on older engines (奇安信, 360): the
    // bundle's syntax is lowered to what Chromium 90 runs (web/README.md)
    target: ['chrome90'],
    cssTarget: ['chrome90'],
    outDir: 'dist',
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 4000,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080', '/healthz': 'http://127.0.0.1:8080' },
  },
})
