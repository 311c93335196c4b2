import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/*
 * Built into dist/ and served by the gateway at /account (scripts/gateway/static.ts), so every
 * URL is under /account/ and the API and WebSocket are same-origin. `vite` (dev) proxies both
 * to a running `pnpm start` on :9003.
 */
export default defineConfig({
  base: '/account/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, target: 'es2022' },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:9003',
      '/ws': { target: 'ws://127.0.0.1:9003', ws: true },
    },
  },
});
