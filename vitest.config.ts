import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Playwright's e2e/*.spec.ts are not vitest's.
    include: ['{sync,server,agent,db,app,scripts}/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
