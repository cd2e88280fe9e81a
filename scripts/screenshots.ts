// Captures the main pages in light and dark mode for docs/screenshots/.
// Usage: node --import tsx scripts/screenshots.ts [baseUrl]  (a server must be running)
import { chromium } from '@playwright/test';
import { mkdirSync } from 'node:fs';

const base = process.argv[2] ?? 'http://localhost:3000';
const out = 'docs/screenshots';
mkdirSync(out, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run'],
});
for (const scheme of ['light', 'dark'] as const) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: scheme });
  await page.goto(`${base}/signup`);
  await page.screenshot({ path: `${out}/signup-${scheme}.png` });
  await page.getByLabel('Name').fill('Ana Lima');
  await page.getByLabel('Email').fill(`ana-${scheme}-${Date.now()}@example.test`);
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Projects', exact: true }).waitFor();
  await page.screenshot({ path: `${out}/projects-empty-${scheme}.png` });
  for (const name of ['storefront', 'billing-api', 'analytics']) {
    await page.getByLabel('New project').fill(name);
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByTestId('canvas').waitFor();
    await page.goto(`${base}/projects`);
  }
  await page.screenshot({ path: `${out}/projects-${scheme}.png` });
  await page.getByRole('heading', { name: 'storefront' }).click();
  await page.getByTestId('canvas').waitFor();
  await page.screenshot({ path: `${out}/project-${scheme}.png` });
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('heading', { name: 'Environments' }).waitFor();
  await page.screenshot({ path: `${out}/settings-${scheme}.png`, fullPage: true });
  await page.close();
}
await browser.close();
console.log(`screenshots written to ${out}/`);
