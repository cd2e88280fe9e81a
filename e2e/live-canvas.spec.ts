/**
 * Live telemetry on the canvas and the overview page, for real: the webServer's local agent
 * runs two `containr/busybox` services on the engine at DOCKER_HOST, one printing numbered
 * lines, one burning CPU. Their node cards show the newest log line and sparklines that
 * move; the overview page lists both containers with CPU figures and sorts by them.
 *
 *   CONTAINR_BUILD_DIR=build-live-canvas npx remix vite:build && \
 *   DOCKER_HOST=unix:///work/main/.containr/engine/docker.sock CONTAINR_BUILD_DIR=build-live-canvas \
 *     E2E_PORT=3202 npx playwright test e2e/live-canvas.spec.ts --output=/tmp/pw-live-canvas
 */
import type { Locator, Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { expect, test } from './fixtures';

const DEPLOYED = { timeout: 60_000 };
const TICKER = `sh -c 'i=0; while :; do echo tick $i; i=$((i+1)); sleep 0.3; done'`;
const BURNER = `sh -c 'while :; do :; done'`;

test.describe.configure({ timeout: 240_000 });

const node = (page: Page, name: string): Locator => page.locator(`[data-testid="canvas-node"][data-name="${name}"]`);

async function createProject(page: Page, name: string): Promise<{ projectId: string; environmentId: string }> {
  await page.getByLabel('New project').fill(name);
  await page.getByRole('button', { name: 'Create project' }).click();
  await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'live');
  const match = /\/projects\/([^/]+)\/env\/([^/?#]+)/.exec(page.url());
  if (!match) throw new Error(`not on a canvas: ${page.url()}`);
  return { projectId: match[1], environmentId: match[2] };
}

async function addService(page: Page, name: string, command: string) {
  await page.getByTestId('add-service').click();
  const form = page.getByRole('form', { name: 'New service' });
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Image').fill('containr/busybox:latest');
  await form.getByRole('button', { name: 'Add service' }).click();
  await expect(node(page, name)).toBeVisible();
  const field = page.locator('#field-sp-command');
  await field.fill(command);
  await field.press('Enter');
  await page.keyboard.press('Escape');
}

async function deploy(page: Page, message: string) {
  await page.getByTestId('deploy-button').click();
  const popover = page.getByRole('dialog', { name: 'Deploy', exact: true });
  await popover.getByLabel('Message').fill(message);
  await popover.getByTestId('deploy-submit').click();
}

/** The N of the card's "tick N" line, or -1 while it shows something else. */
async function tickOf(card: Locator): Promise<number> {
  const text = (await card.getByTestId('node-log').textContent()) ?? '';
  const match = /tick (\d+)/.exec(text);
  return match ? Number(match[1]) : -1;
}

let cleanup: { page: Page; projectId: string } | null = null;

test.afterEach(async () => {
  if (!cleanup) return;
  const { page, projectId } = cleanup;
  cleanup = null;
  expect((await page.request.delete(`/api/projects/${projectId}`)).status()).toBe(204);
});

/** A project with the ticker and the burner deployed and running; the page is on its canvas. */
async function deployTickerAndBurner(page: Page, name: string) {
  const { projectId, environmentId } = await createProject(page, name);
  cleanup = { page, projectId };
  await addService(page, 'ticker', TICKER);
  await addService(page, 'burner', BURNER);
  // Not deployed: the cards carry no telemetry strip.
  await expect(node(page, 'ticker').getByTestId('node-telemetry')).toHaveCount(0);
  await deploy(page, 'Ticker and burner');
  for (const name of ['ticker', 'burner']) {
    await expect(node(page, name).getByTestId('node-status')).toHaveAttribute('data-state', 'running', DEPLOYED);
  }
  return { projectId, environmentId };
}

test('node cards show live log lines and sparklines; the overview lists and sorts the containers', async ({ page, account: _signedUp }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await deployTickerAndBurner(page, `live-${Date.now().toString(36)}`);
  const ticker = node(page, 'ticker');
  const burner = node(page, 'burner');

  await test.step('the ticker card shows its newest line, and it keeps changing', async () => {
    await expect(ticker.getByTestId('node-log')).toHaveText(/tick \d+/, DEPLOYED);
    await expect(ticker.getByTestId('node-log')).toHaveAttribute('data-stream', 'stdout');
    const first = await tickOf(ticker);
    await expect.poll(() => tickOf(ticker), { timeout: 10_000 }).toBeGreaterThan(first + 2);
  });

  await test.step('the sparklines get points and change; the card keeps its size', async () => {
    const spark = burner.getByTestId('node-cpu-spark');
    await expect(spark).toHaveAttribute('d', /^M[\d.]+ [\d.]+/, DEPLOYED);
    const box = await burner.boundingBox();
    const before = (await spark.getAttribute('d')) ?? '';
    const points = Number(await burner.locator('.cnode-metric.is-cpu svg').getAttribute('data-points'));
    await expect.poll(async () => Number(await burner.locator('.cnode-metric.is-cpu svg').getAttribute('data-points')), { timeout: 10_000 }).toBeGreaterThan(points + 1);
    await expect.poll(() => spark.getAttribute('d'), { timeout: 10_000 }).not.toBe(before);
    expect(((await spark.getAttribute('d')) ?? '').split('L').length).toBeGreaterThan(2);
    await expect(ticker.getByTestId('node-memory-spark')).toHaveAttribute('d', /L/);
    // Values arriving never resize the card.
    expect(await burner.boundingBox()).toEqual(box);
  });

  await test.step('the burner card shows its CPU use', async () => {
    await expect
      .poll(async () => parseFloat((await burner.getByTestId('node-cpu-value').textContent()) ?? ''), { timeout: 15_000 })
      .toBeGreaterThan(20);
    await expect(burner.getByTestId('node-memory-value')).toHaveText(/\d+ (KB|MB)/);
  });

  await test.step('the overview lists both containers with CPU figures; sorting by CPU puts the burner first', async () => {
    await page.getByTestId('user-menu').locator('summary').click();
    await page.getByRole('link', { name: 'Overview' }).click();
    await expect(page.getByRole('heading', { name: 'Overview', level: 1 })).toBeVisible();
    await expect(page.getByTestId('overview-containers')).toHaveAttribute('data-hydrated', 'true');
    const local = page.locator('[data-testid="overview-node"][data-name="local"]');
    await expect(local).toHaveAttribute('data-state', 'ready');
    const row = (service: string) => page.locator(`[data-testid="overview-row"][data-service="${service}"]`);
    await expect(row('ticker')).toHaveAttribute('data-state', 'running');
    await expect(row('burner')).toHaveAttribute('data-state', 'running');
    await expect.poll(async () => Number(await row('burner').getAttribute('data-cpu')), { timeout: 15_000 }).toBeGreaterThan(20);
    await expect(row('ticker').getByTestId('overview-cpu')).toHaveText(/\d+(\.\d)?%/);

    await page.getByTestId('sort-cpu').click();
    await expect(page.getByTestId('sort-cpu').locator('xpath=..')).toHaveAttribute('aria-sort', 'descending');
    await expect(page.getByTestId('overview-row').first()).toHaveAttribute('data-service', 'burner');
    await page.getByTestId('sort-cpu').click();
    await expect(page.getByTestId('sort-cpu').locator('xpath=..')).toHaveAttribute('aria-sort', 'ascending');
    await expect(page.getByTestId('overview-row').last()).toHaveAttribute('data-service', 'burner');

    await page.getByTestId('overview-filter').fill('ticker');
    await expect(page.getByTestId('overview-row')).toHaveCount(1);
    await expect(page.getByTestId('overview-row')).toHaveAttribute('data-service', 'ticker');
  });
});

// Documentation screenshots: SCREENSHOTS=1 (with DOCKER_HOST) npx playwright test e2e/live-canvas.spec.ts -g screenshots
test('screenshots of the live canvas and the overview', async ({ page, account: _signedUp }) => {
  mkdirSync('docs/screenshots', { recursive: true });
  await page.setViewportSize({ width: 1440, height: 860 });
  await deployTickerAndBurner(page, `telemetry-${Date.now().toString(36)}`);
  await expect(node(page, 'ticker').getByTestId('node-log')).toHaveText(/tick \d+/, DEPLOYED);
  // Some history in the sparklines.
  await expect.poll(async () => Number(await node(page, 'burner').locator('.cnode-metric.is-cpu svg').getAttribute('data-points')), { timeout: 30_000 }).toBeGreaterThan(15);
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.mouse.move(0, 0);
    await page.screenshot({ animations: 'disabled', path: `docs/screenshots/live-canvas-${scheme}.png` });
  }
  await page.goto('/overview');
  await expect(page.getByTestId('overview-containers')).toHaveAttribute('data-hydrated', 'true');
  await page.getByTestId('sort-cpu').click();
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.mouse.move(0, 0);
    await page.screenshot({ animations: 'disabled', path: `docs/screenshots/overview-${scheme}.png`, fullPage: true });
  }
});
