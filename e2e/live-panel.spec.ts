/**
 * The service panel's Logs, Metrics and Deployments tabs, for real: the webServer's local
 * agent runs a `containr/busybox` service that prints a marker line, then numbered lines to
 * stdout and every fifth number to stderr. The Logs tab tails them live, searches, filters
 * by stream, pauses, jumps back in time and downloads; the Metrics tab draws the service's
 * samples for 15 minutes and 24 hours and moves as they arrive; the Deployments tab leads
 * into a deployment's logs.
 *
 *   CONTAINR_BUILD_DIR=build-live-panel npx remix vite:build && \
 *   DOCKER_HOST=unix:///work/main/.containr/engine/docker.sock CONTAINR_BUILD_DIR=build-live-panel \
 *     E2E_PORT=3201 npx playwright test e2e/live-panel.spec.ts --output=/tmp/pw-live-panel
 */
import type { Locator, Page } from '@playwright/test';
import { mkdirSync, readFileSync } from 'node:fs';
import { expect, test } from './fixtures';

const DEPLOYED = { timeout: 60_000 };
const TICKER = `sh -c 'echo marker-alpha ready; i=0; while :; do echo tick $i; [ $((i % 5)) -eq 0 ] && echo warn $i >&2; i=$((i+1)); sleep 0.2; done'`;

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

/** Deploys the ticker and opens its panel. */
async function deployTicker(page: Page): Promise<{ projectId: string; environmentId: string }> {
  const ids = await createProject(page, `ticks-${Date.now().toString(36)}`);
  await addService(page, 'ticker', TICKER);
  await deploy(page, 'A service that counts');
  await expect(node(page, 'ticker').getByTestId('node-status')).toHaveAttribute('data-state', 'running', DEPLOYED);
  await node(page, 'ticker').click();
  await expect(page.getByTestId('service-panel')).toBeVisible();
  return ids;
}

const tab = (page: Page, name: string) => page.getByTestId('service-panel').getByRole('tab', { name });
const rows = (page: Page) => page.getByTestId('log-view').getByTestId('log-line');

/** The highest N among the rendered "tick N" lines, or -1. */
async function newestTick(page: Page): Promise<number> {
  const texts = await rows(page).allTextContents();
  return Math.max(-1, ...texts.map((t) => Number(/tick (\d+)$/.exec(t)?.[1] ?? -1)));
}

/** The `d` of a chart's first line and how many samples its points hold. */
async function chartState(page: Page, metric: string): Promise<{ d: string; points: number; samples: number }> {
  const chart = page.locator(`[data-testid="metric-chart"][data-metric="${metric}"]`);
  return {
    d: (await chart.getByTestId('chart-line').first().getAttribute('d')) ?? '',
    points: Number(await chart.getAttribute('data-points')),
    samples: Number(await chart.getAttribute('data-samples')),
  };
}

let cleanup: { page: Page; projectId: string } | null = null;

test.afterEach(async () => {
  if (!cleanup) return;
  const { page, projectId } = cleanup;
  cleanup = null;
  expect((await page.request.delete(`/api/projects/${projectId}`)).status()).toBe(204);
});

test('the Logs tab tails, searches, filters, pauses, jumps back and downloads', async ({ page, account: _signedUp }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  const { projectId } = await deployTicker(page);
  cleanup = { page, projectId };

  await test.step('history, then the live tail', async () => {
    await tab(page, 'Logs').click();
    await expect(page.getByTestId('service-panel')).toHaveAttribute('data-tab', 'logs');
    // The first line came before the tab opened: it is history.
    await expect(rows(page).filter({ hasText: 'marker-alpha ready' })).toHaveCount(1);
    const first = await newestTick(page);
    await expect.poll(() => newestTick(page), { timeout: 15_000 }).toBeGreaterThan(first + 5);
    // Merged by id: no line twice.
    const texts = await rows(page).allTextContents();
    expect(new Set(texts).size).toBe(texts.length);
  });

  await test.step('search asks the server, highlights, and keeps tailing what matches', async () => {
    await page.getByLabel('Search logs').fill('marker-alpha');
    await expect(rows(page)).toHaveCount(1);
    await expect(rows(page).first()).toContainText('marker-alpha ready');
    await expect(rows(page).first().locator('mark')).toHaveText(['marker', 'alpha']);

    await page.getByLabel('Search logs').fill('warn');
    await expect.poll(() => rows(page).count()).toBeGreaterThan(1);
    const before = await rows(page).count();
    // New "warn" lines arrive live; no "tick" line does.
    await expect.poll(() => rows(page).count(), { timeout: 15_000 }).toBeGreaterThan(before);
    for (const text of await rows(page).allTextContents()) expect(text).toMatch(/warn \d+$/);
    await page.getByLabel('Search logs').fill('');
    await expect(rows(page).filter({ hasText: /tick \d+$/ }).first()).toBeVisible();
  });

  await test.step('the stream filter', async () => {
    const streams = page.getByRole('radiogroup', { name: 'Stream' });
    await streams.getByRole('radio', { name: 'stderr' }).click();
    await expect.poll(() => rows(page).count()).toBeGreaterThan(0);
    await expect(rows(page).filter({ hasText: 'tick' })).toHaveCount(0);
    expect(new Set(await rows(page).evaluateAll((els) => els.map((e) => e.getAttribute('data-stream'))))).toEqual(new Set(['stderr']));
    await streams.getByRole('radio', { name: 'stdout' }).click();
    await expect(rows(page).filter({ hasText: 'tick' }).first()).toBeVisible();
    await expect(rows(page).filter({ hasText: /warn \d+$/ })).toHaveCount(0);
    await streams.getByRole('radio', { name: 'All' }).click();
    await expect(rows(page).filter({ hasText: /warn \d+$/ }).first()).toBeVisible();
  });

  await test.step('pause: new lines are counted, Follow catches up', async () => {
    await page.getByTestId('logs-follow').click();
    await expect(page.getByTestId('logs-follow')).toHaveText('Follow');
    await page.getByTestId('log-view').evaluate((el) => (el.scrollTop = 0));
    await expect(page.getByTestId('logs-unseen')).toHaveText(/^\d+ new lines?$/, { timeout: 15_000 });
    await page.getByTestId('logs-unseen').click();
    await expect(page.getByTestId('logs-unseen')).toBeHidden();
    await expect(page.getByTestId('logs-follow')).toHaveText('Pause');
    const view = page.getByTestId('log-view');
    await expect
      .poll(() => view.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight))
      .toBeLessThan(20);
  });

  await test.step('download: the lines of the query as a .log file', async () => {
    await page.getByLabel('Search logs').fill('tick');
    // The search is applied (the download takes the applied one): only "tick" lines are left.
    await expect(page.locator('.lg-search-spin')).toBeHidden();
    await expect(rows(page).filter({ hasText: /warn \d+$|marker/ })).toHaveCount(0);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('logs-download').click()]);
    expect(download.suggestedFilename()).toMatch(/^ticker-logs-\d{4}-\d{2}-\d{2}T\d{4}\.log$/);
    const text = readFileSync(await download.path(), 'utf8');
    const lines = text.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) expect(line).toMatch(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z stdout tick \d+$/);
    await page.getByLabel('Search logs').fill('');
  });

  await test.step('time jump: history up to an instant, without the live tail', async () => {
    const time = page.getByTestId('logs-time');
    await time.selectOption({ label: 'Until 5 min ago' });
    // The service started a minute ago: nothing before then.
    await expect(page.getByTestId('logs-empty')).toHaveText('Nothing was logged before this time.');
    await expect(page.getByRole('status').filter({ hasText: 'The live tail is off' })).toBeVisible();
    await page.getByRole('button', { name: 'Back to live' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'The live tail is off' })).toBeHidden();
    const now = await newestTick(page);
    await expect.poll(() => newestTick(page), { timeout: 15_000 }).toBeGreaterThan(now);
  });

  await test.step('the Deployments tab leads into a deployment’s logs', async () => {
    await tab(page, 'Deployments').click();
    const item = page.getByTestId('service-deployment').first();
    await expect(item).toHaveAttribute('data-status', 'succeeded');
    await expect(item.getByTestId('deployment-events')).toContainText(/ticker/i);
    await item.getByTestId('deployment-logs').click();
    await expect(page.getByTestId('service-panel')).toHaveAttribute('data-tab', 'logs');
    await expect(page.getByTestId('logs-deployment')).not.toHaveValue('');
    // Its build and deploy steps above its lines.
    await expect(page.getByTestId('logs-deploy-steps').getByTestId('deployment-events')).toContainText(/ticker/i);
    // Its lines, live: the service has run only this deployment.
    await expect.poll(() => newestTick(page), { timeout: 15_000 }).toBeGreaterThan(0);
    const now = await newestTick(page);
    await expect.poll(() => newestTick(page), { timeout: 15_000 }).toBeGreaterThan(now);
  });
});

test('the Metrics tab draws 15 minutes and 24 hours, and moves as samples arrive', async ({ page, account: _signedUp }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  const { projectId } = await deployTicker(page);
  cleanup = { page, projectId };
  await tab(page, 'Metrics').click();

  for (const range of ['15 m', '24 h']) {
    await test.step(`${range}: four charts with data that grows`, async () => {
      await page.getByRole('radiogroup', { name: 'Time range' }).getByRole('radio', { name: range }).click();
      await expect(page.getByTestId('metric-chart')).toHaveCount(4);
      for (const metric of ['cpu', 'memory', 'rx', 'read']) {
        await expect.poll(async () => (await chartState(page, metric)).points, DEPLOYED).toBeGreaterThan(0);
        expect((await chartState(page, metric)).d).toMatch(/^M[\d.,-]+/);
      }
      const before = await chartState(page, 'memory');
      await expect.poll(async () => (await chartState(page, 'memory')).samples, { timeout: 15_000 }).toBeGreaterThan(before.samples);
      await expect.poll(async () => (await chartState(page, 'memory')).d, { timeout: 15_000 }).not.toBe(before.d);
      await expect(page.getByTestId('metrics-resolution')).toHaveText(range === '15 m' ? /Per-second samples · 5 s buckets/ : /1-minute rollups · 5 min buckets/);
    });
  }

  await test.step('a tooltip with the value and time under the pointer', async () => {
    await page.getByRole('radiogroup', { name: 'Time range' }).getByRole('radio', { name: '15 m' }).click();
    // Buckets are 5 s wide and the service has run for seconds only: wait for the fourth.
    await expect.poll(async () => (await chartState(page, 'cpu')).points, { timeout: 30_000 }).toBeGreaterThan(3);
    const box = await page.getByRole('img', { name: 'CPU over time' }).boundingBox();
    if (!box) throw new Error('no chart');
    await page.mouse.move(box.x + box.width - 20, box.y + box.height / 2);
    await expect(page.locator('.mc-tooltip')).toContainText(/\d\d:\d\d:\d\d/);
    await expect(page.locator('.mc-tooltip')).toContainText(/CPU.*%/);
  });
});

test('a flood of lines: the view keeps the newest 5,000 and stays responsive, storage keeps every line', async ({ page, account: _signedUp }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  const { projectId } = await createProject(page, `flood-${Date.now().toString(36)}`);
  cleanup = { page, projectId };
  // About 10,000 lines a second: a thousand at once, ten times a second.
  await addService(page, 'flood', `sh -c 'while :; do seq 1 1000; usleep 100000; done'`);
  await deploy(page, 'A service that floods');
  await expect(node(page, 'flood').getByTestId('node-status')).toHaveAttribute('data-state', 'running', DEPLOYED);
  await node(page, 'flood').click();
  await tab(page, 'Logs').click();

  // The oldest lines leave the view (never storage): the footer counts them.
  await expect(page.getByTestId('logs-count')).toContainText('older left the view (stored)', { timeout: 30_000 });
  const held = Number(await page.getByTestId('log-view').getAttribute('data-lines'));
  expect(held).toBeLessThanOrEqual(5_000);
  // Only the rows on screen are in the DOM.
  expect(await rows(page).count()).toBeLessThan(200);

  // Still answering the reader: pause holds the view, search asks the server, tabs switch.
  await page.getByTestId('logs-follow').click();
  await expect(page.getByTestId('logs-follow')).toHaveText('Follow');
  await page.getByLabel('Search logs').fill('1000');
  // The server answers the search; the view then holds only matching lines.
  await expect
    .poll(async () => {
      const texts = await rows(page).locator('.lg-text').allTextContents();
      return texts.length > 5 && texts.every((t) => t === '1000');
    }, { timeout: 15_000 })
    .toBe(true);
  await tab(page, 'Metrics').click();
  await expect(page.getByTestId('metric-chart')).toHaveCount(4);
  await tab(page, 'Logs').click();
  await expect(page.getByTestId('service-panel')).toHaveAttribute('data-tab', 'logs');

  // Storage has more of them than the view ever held.
  // React Flow names each node's wrapper by its id: the service's.
  const serviceId = await page.locator('.react-flow__node', { has: node(page, 'flood') }).getAttribute('data-id');
  const stored = await page.request.get(`/api/services/${serviceId}/logs?q=1000&limit=1000`);
  expect(stored.status()).toBe(200);
  const { lines } = (await stored.json()) as { lines: { text: string }[] };
  expect(lines.length).toBeGreaterThan(held / 1000);
});

test('a service never deployed says so on every tab', async ({ page, account: _signedUp }) => {
  const { projectId } = await createProject(page, `fresh-${Date.now().toString(36)}`);
  cleanup = { page, projectId };
  await addService(page, 'idle', `sh -c 'sleep 1000'`);
  await node(page, 'idle').click();
  await tab(page, 'Logs').click();
  await expect(page.getByTestId('logs-empty')).toContainText('No logs yet');
  await tab(page, 'Metrics').click();
  await expect(page.getByTestId('metrics-empty')).toContainText('No samples yet — deploy the service');
  await tab(page, 'Deployments').click();
  await expect(page.getByTestId('deployments-empty')).toContainText('Not deployed yet');
  await tab(page, 'Settings').click();
  await expect(page.locator('#field-sp-command')).toBeVisible();
});

// Documentation screenshots: SCREENSHOTS=1 (with DOCKER_HOST) npx playwright test e2e/live-panel.spec.ts -g screenshots
test('screenshots of the service panel tabs', async ({ page, account: _signedUp }) => {
  mkdirSync('docs/screenshots', { recursive: true });
  await page.setViewportSize({ width: 1440, height: 860 });
  const { projectId } = await deployTicker(page);
  cleanup = { page, projectId };
  await tab(page, 'Logs').click();
  await expect.poll(() => newestTick(page), { timeout: 60_000 }).toBeGreaterThan(80);
  // Paused a little way up: the new lines are counted below.
  await page.getByTestId('log-view').evaluate((el) => (el.scrollTop = el.scrollHeight - el.clientHeight - 200));
  await expect(page.getByTestId('logs-unseen')).toBeVisible();
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ animations: 'disabled', path: `docs/screenshots/panel-logs-${scheme}.png` });
  }
  await page.getByTestId('logs-unseen').click();
  await page.getByLabel('Search logs').fill('warn 1');
  await expect(rows(page).first()).toContainText('warn 1');
  await expect(page.locator('.lg-search-spin')).toHaveCount(0);
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ animations: 'disabled', path: `docs/screenshots/panel-logs-search-${scheme}.png` });
  }
  await page.getByLabel('Search logs').fill('');
  await tab(page, 'Metrics').click();
  await expect.poll(async () => (await chartState(page, 'cpu')).points, DEPLOYED).toBeGreaterThan(10);
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    const box = await page.getByRole('img', { name: 'Memory over time' }).boundingBox();
    if (box) await page.mouse.move(box.x + box.width - 30 - (scheme === 'dark' ? 4 : 0), box.y + box.height / 2);
    await expect(page.locator('.mc-tooltip')).toBeVisible();
    await page.screenshot({ animations: 'disabled', path: `docs/screenshots/panel-metrics-${scheme}.png` });
  }
  await page.mouse.move(0, 0);
  await tab(page, 'Deployments').click();
  await expect(page.getByTestId('service-deployment').first()).toHaveAttribute('data-status', 'succeeded');
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ animations: 'disabled', path: `docs/screenshots/panel-deployments-${scheme}.png` });
  }
});
