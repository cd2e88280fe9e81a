// Remix's own options. vite.config.ts passes them to the Remix Vite plugin,
// so this file stays the one place to read how the app is laid out.
import process from 'node:process';

/** @type {import('@remix-run/dev').VitePluginConfig} */
export default {
  appDirectory: 'app',
  // CONTAINR_BUILD_DIR: a second build beside the default one (parallel test runs).
  buildDirectory: process.env.CONTAINR_BUILD_DIR ?? 'build',
  ignoredRouteFiles: ['**/*.test.ts', '**/*.server.test.ts'],
  future: {
    v3_fetcherPersist: true,
    v3_relativeSplatPath: true,
    v3_throwAbortReason: true,
    v3_lazyRouteDiscovery: true,
    v3_singleFetch: true,
  },
};
