import { defineConfig } from '@playwright/test';

const port = Number(process.env.E2E_PORT ?? 3199);
const dataDir = process.env.E2E_DATA_DIR ?? `.containr/e2e-${port}`;

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  // The "screenshots of …" tests refresh docs/screenshots/; they run only when asked:
  // SCREENSHOTS=1 npx playwright test -g screenshots
  grepInvert: process.env.SCREENSHOTS ? undefined : /screenshots of/,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: `http://localhost:${port}`,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  webServer: {
    // A fresh database per run; the server is the production build.
    command: `rm -rf ${dataDir} && node --import tsx server/index.ts`,
    url: `http://localhost:${port}/healthz`,
    // The outbox (no RESEND_API_KEY) is readable by this instance admin: e2e/teams.spec.ts signs in as it.
    env: { PORT: String(port), CONTAINR_DATA_DIR: dataDir, LOG_LEVEL: 'warn', NODE_ENV: 'production', CONTAINR_ADMIN_EMAILS: 'admin@containr.test' },
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
