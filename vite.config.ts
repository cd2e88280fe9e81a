import { vitePlugin as remix } from '@remix-run/dev';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import remixConfig from './remix.config.js';

declare module '@remix-run/node' {
  interface Future {
    v3_singleFetch: true;
  }
}

export default defineConfig({
  plugins: [remix(remixConfig)],
  resolve: { alias: { '~': fileURLToPath(new URL('./app', import.meta.url)) } },
  build: { target: 'es2022' },
  // The private Docker engine's data (.containr/) and other builds are not sources: watching them costs CPU and reloads pages.
  server: { hmr: true, watch: { ignored: ['**/.containr/**', '**/build/**', '**/build-*/**', '**/test-results/**'] } },
});
