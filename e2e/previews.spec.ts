/**
 * Previews and share links in the browser: fork production into a preview, deploy it, share it,
 * open the link in a logged-out browser (read-only canvas with live status and logs, the panel's
 * Logs and Metrics tabs, the service URL answers, a raw y-websocket client cannot write), revoke
 * it (the open page loses access and a reload says so); rename a preview and override its images
 * from the project settings. Screenshots: SCREENSHOTS=1 … -g screenshots
 *
 *   CONTAINR_BUILD_DIR=build-h6 npx remix vite:build && \
 *   CONTAINR_BUILD_DIR=build-h6 E2E_PORT=3261 npx playwright test e2e/previews.spec.ts --output=/tmp/pw-h6
 */
import type { Browser, Page } from '@playwright/test';
import * as encoding from 'lib0/encoding';
import { mkdirSync } from 'node:fs';
import WebSocket from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import { messageSync, WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { expect, test } from './fixtures';

const node = (page: Page, name: string) => page.locator(`[data-testid="canvas-node"][data-name="${name}"]`);

async function newProjectWithService(page: Page, service = 'web') {
  await page.getByLabel('New project').fill(`shop-${Date.now().toString(36)}`);
  await page.getByRole('button', { name: 'Create project' }).click();
  await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'live');
  await page.getByTestId('add-service').click();
  const form = page.getByRole('form', { name: 'New service' });
  await form.getByLabel('Name').fill(service);
  await form.getByLabel('Image').fill('containr/busybox');
  await form.getByRole('button', { name: 'Add service' }).click();
  await expect(node(page, service)).toBeVisible();
  await page.keyboard.press('Escape');
}

/** Forks the current environment into a preview from the environment switcher; lands on its canvas. */
async function forkIntoPreview(page: Page, name: string) {
  await page.getByTestId('environment-switcher').locator('summary').click();
  await page.getByTestId('new-preview').click();
  const dialog = page.getByTestId('fork-dialog');
  await dialog.getByLabel('Name').fill(name);
  await dialog.getByTestId('fork-submit').click();
  await expect(page.getByTestId('environment-switcher')).toContainText(name);
  await expect(page.getByTestId('preview-banner')).toBeVisible();
  await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'live');
}

async function createShareLink(page: Page): Promise<string> {
  await page.getByTestId('share-button').click();
  await page.getByTestId('create-share-link').click();
  const url = await page.getByTestId('share-url').inputValue();
  expect(url).toMatch(/\/share\/ctrs_[A-Za-z0-9_-]{43}$/);
  return url;
}

/** Serves a page on :8080 and prints a line every half second. */
const SERVE_AND_LOG =
  'sh -c "mkdir -p /www && echo preview-ok > /www/index.html && httpd -p 8080 -h /www && ' +
  'i=0; while :; do echo hello from the preview $i; i=$((i+1)); sleep 0.5; done"';

/** Gives the selected service a command and a public port 8080 from its panel. */
async function serveFromPanel(page: Page, name: string) {
  await node(page, name).click();
  const command = page.locator('#field-sp-command');
  await command.fill(SERVE_AND_LOG);
  await command.press('Enter');
  await page.getByLabel('New port').fill('8080');
  await page.getByRole('button', { name: 'Add port' }).click();
  await page.getByLabel('Port 8080 public').check();
  await page.keyboard.press('Escape');
}

async function deploy(page: Page) {
  await page.getByTestId('deploy-button').click();
  await page.getByRole('dialog', { name: 'Deploy', exact: true }).getByTestId('deploy-submit').click();
  await expect(page.getByTestId('deployment-pill')).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 });
}

/** A stock y-websocket client (what the browser runs) holding the share token, from outside the page. */
async function rawShareClient(pageUrl: string, environmentId: string, token: string): Promise<WebsocketProvider> {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`${new URL(pageUrl).origin.replace(/^http/, 'ws')}/sync`, environmentId, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    params: { token },
  });
  await expect.poll(() => provider.synced, { timeout: 10_000 }).toBe(true);
  return provider;
}

/**
 * Resolves once the server has answered a sync step 1 sent after everything `provider` sent
 * before: the server handles one connection's messages in order, so by then it has taken (or
 * dropped) them all.
 */
async function roundTrip(provider: WebsocketProvider) {
  provider.synced = false;
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, messageSync);
  syncProtocol.writeSyncStep1(encoder, provider.doc);
  provider.ws!.send(encoding.toUint8Array(encoder));
  await expect.poll(() => provider.synced, { timeout: 10_000 }).toBe(true);
}

let project: { page: Page; id: string } | null = null;

test.afterEach(async () => {
  if (!project) return;
  const { page, id } = project;
  project = null;
  expect((await page.request.delete(`/api/projects/${id}`)).status()).toBe(204);
});

async function guest(browser: Browser, colorScheme: 'light' | 'dark' = 'light') {
  const context = await browser.newContext({ colorScheme, viewport: { width: 1360, height: 820 } });
  return { context, page: await context.newPage() };
}

test('a preview forked from production is deployed and shared read-only, and revoking the link ends access', async ({
  page,
  browser,
  account: _signedUp,
}) => {
  await newProjectWithService(page);
  project = { page, id: /\/projects\/([^/]+)\//.exec(page.url())![1] };
  await serveFromPanel(page, 'web');
  await forkIntoPreview(page, 'pr-42');
  // The fork holds production's canvas.
  await expect(node(page, 'web')).toBeVisible();
  await expect(page.getByTestId('preview-banner')).toContainText(/deleted, with its containers.*in (2 d 23 h|3 d 0 h)/);
  await page.getByTestId('environment-switcher').locator('summary').click();
  await expect(page.locator('.menu-item[data-kind="preview"]')).toContainText(/pr-42\s*(2 d 23 h|3 d 0 h) left/);
  await page.keyboard.press('Escape');
  await page.getByTestId('environment-switcher').locator('summary').click();
  const environmentId = /\/env\/([^/?#]+)/.exec(page.url())![1];
  await deploy(page);

  const url = await createShareLink(page);
  const token = url.split('/share/')[1];

  // A browser with no account opens it: the canvas, read-only, live.
  const visitor = await guest(browser);
  const response = await visitor.page.goto(url);
  expect(response?.status()).toBe(200);
  await expect(visitor.page.getByTestId('share-page')).toBeVisible();
  await expect(node(visitor.page, 'web')).toBeVisible();
  await expect(visitor.page.getByTestId('connection')).toHaveAttribute('data-state', 'live');
  await expect(visitor.page.getByTestId('view-only')).toBeVisible();
  await expect(visitor.page.getByTestId('add-service')).toHaveCount(0);
  await expect(visitor.page.getByTestId('share-button')).toHaveCount(0);
  await expect(visitor.page.locator('.share-live')).toHaveText(/Live/);
  await expect(node(visitor.page, 'web').getByTestId('node-status')).toHaveAttribute('data-state', 'running', { timeout: 30_000 });

  // The preview's own URL is listed, and answers.
  const link = visitor.page.getByTestId('share-services').locator('a.share-service-url');
  await expect(link).toHaveAttribute('href', /^http:\/\/web-pr-42\.[a-z0-9-]+\.localhost:\d+\/?$/);
  const service = await visitor.context.newPage();
  await service.goto((await link.getAttribute('href'))!);
  await expect(service.locator('body')).toHaveText('preview-ok');
  await service.close();

  // Deleting with the keyboard does nothing on a read-only canvas…
  await node(visitor.page, 'web').click();
  await visitor.page.keyboard.press('Delete');
  await expect(node(visitor.page, 'web')).toBeVisible();
  // …and neither does a y-websocket client forced to write with the token. The witness
  // connects only once the server has handled the forced update, so an accepted write shows.
  const forced = await rawShareClient(url, environmentId, token);
  forced.doc.getMap('services').clear();
  expect(forced.doc.getMap('services').size).toBe(0);
  await roundTrip(forced);
  const witness = await rawShareClient(url, environmentId, token);
  expect([...witness.doc.getMap('services').keys()]).toHaveLength(1);
  forced.destroy();
  witness.destroy();
  await expect(node(visitor.page, 'web')).toBeVisible();
  await expect(node(page, 'web')).toBeVisible();
  await visitor.page.keyboard.press('Escape');

  // The node tails the service's output live; its panel reads logs and metrics with the share
  // token (the guest has no session), and shows no team data or edit controls.
  const history: { path: string; status: number }[] = [];
  visitor.page.on('response', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.startsWith('/api/')) history.push({ path, status: r.status() });
  });
  await expect(node(visitor.page, 'web').getByTestId('node-log')).toContainText(/hello from the preview \d+/, { timeout: 30_000 });
  await node(visitor.page, 'web').click();
  const panel = visitor.page.getByTestId('service-panel');
  await expect(panel.getByRole('tab')).toHaveText(['Settings', 'Logs', 'Metrics']);
  await expect(panel.getByRole('button', { name: /Delete/ })).toHaveCount(0);
  await visitor.page.screenshot({ path: test.info().outputPath('share-panel-settings.png') });
  await panel.getByRole('tab', { name: 'Logs' }).click();
  await expect(panel.getByTestId('log-line').filter({ hasText: /hello from the preview \d+/ }).first()).toBeVisible({ timeout: 15_000 });
  await expect(panel.getByTestId('logs-empty')).toHaveCount(0);
  await visitor.page.screenshot({ path: test.info().outputPath('share-panel-logs.png') });
  await panel.getByRole('tab', { name: 'Metrics' }).click();
  await expect(panel.getByTestId('metric-chart')).toHaveCount(4);
  const cpu = panel.locator('[data-testid="metric-chart"][data-metric="cpu"]');
  await expect.poll(async () => Number(await cpu.getAttribute('data-points')), { timeout: 30_000 }).toBeGreaterThan(0);
  await expect(cpu.getByTestId('chart-line').first()).toHaveAttribute('d', /^M[\d.,-]+/);
  await visitor.page.screenshot({ path: test.info().outputPath('share-panel-metrics.png') });
  const telemetry = history.filter((h) => /^\/api\/services\/[^/]+\/(logs|metrics)$/.test(h.path));
  expect(telemetry.map((h) => h.path.split('/').pop())).toEqual(expect.arrayContaining(['logs', 'metrics']));
  expect(telemetry.filter((h) => h.status !== 200)).toEqual([]);
  await visitor.page.keyboard.press('Escape');

  // The owner sees the open counted, and revokes the link.
  await page.getByTestId('share-button').click();
  await page.getByTestId('share-button').click();
  const row = page.getByTestId('share-link').first();
  await expect(row).toHaveAttribute('data-state', 'active');
  await expect(row).toContainText('opened 1×');
  await row.getByTestId('revoke-share-link').click();
  await expect(page.getByTestId('share-link').first()).toHaveAttribute('data-state', 'revoked');

  // The open page loses access at once; a reload says the link is dead.
  await expect(visitor.page.getByTestId('share-dead')).toBeVisible();
  await expect(visitor.page.getByTestId('share-dead')).toContainText('This link has expired or was revoked');
  const reloaded = await visitor.page.reload();
  expect(reloaded?.status()).toBe(410);
  await expect(visitor.page.getByRole('heading', { name: 'This link has expired or was revoked' })).toBeVisible();
  await expect(visitor.page.getByTestId('canvas')).toHaveCount(0);

  // A guessed token looks the same, answered 404.
  const guessed = await visitor.page.goto(`/share/ctrs_${'x'.repeat(43)}`);
  expect(guessed?.status()).toBe(404);
  await expect(visitor.page.getByRole('heading', { name: 'This link has expired or was revoked' })).toBeVisible();
  await visitor.context.close();
});

test('a preview is renamed and its images overridden from the project settings', async ({ page, account: _signedUp }) => {
  await newProjectWithService(page);
  const projectId = /\/projects\/([^/]+)\//.exec(page.url())![1];
  project = { page, id: projectId };
  await forkIntoPreview(page, 'pr-5');
  const previewId = /\/env\/([^/?#]+)/.exec(page.url())![1];
  // Committed, not deployed: the settings list the preview's services from its latest commit.
  expect((await page.request.post(`/api/environments/${previewId}/commits`, { data: { message: 'pr-5', deploy: false } })).status()).toBe(201);

  await page.goto(`/projects/${projectId}/settings`);
  const row = page.locator('[data-testid="environment-row"][data-name="pr-5"]');
  await expect(row).toContainText('preview');
  await expect(page.locator('[data-testid="environment-row"][data-name="production"] [data-testid="environment-images"]')).toHaveCount(0);

  await row.getByTestId('rename-environment').click();
  await row.getByLabel('Environment name').fill('production');
  await row.getByRole('button', { name: 'Save' }).click();
  await expect(row.getByRole('alert')).toContainText('already exists');
  await row.getByLabel('Environment name').fill('pr-6');
  await row.getByRole('button', { name: 'Save' }).click();
  const renamed = page.locator('[data-testid="environment-row"][data-name="pr-6"]');
  await expect(renamed).toBeVisible();

  await renamed.getByTestId('environment-images').click();
  const images = renamed.getByTestId('image-overrides');
  await expect(images).toContainText('containr/busybox');
  await images.getByLabel('Image for web').fill('not an image!');
  await images.getByRole('button', { name: 'Save images' }).click();
  await expect(images.getByRole('alert')).toContainText('web: “not an image!” is not an image reference');
  await images.getByLabel('Image for web').fill('containr/busybox:pr-6');
  await expect(images.getByRole('alert')).toHaveCount(0);
  await page.screenshot({ path: test.info().outputPath('settings-image-overrides.png') });
  await images.getByRole('button', { name: 'Save images' }).click();
  await expect(images).toHaveCount(0);
  await expect(renamed).toContainText('1 image overridden');
  const stored = await (await page.request.get(`/api/environments/${previewId}`)).json();
  expect(stored.environment).toMatchObject({ name: 'pr-6', imageOverrides: { web: 'containr/busybox:pr-6' } });
  await page.screenshot({ path: test.info().outputPath('settings-environments.png') });

  // Cleared again: what is committed runs.
  await renamed.getByTestId('environment-images').click();
  await images.getByLabel('Image for web').fill('');
  await images.getByRole('button', { name: 'Save images' }).click();
  await expect(renamed).not.toContainText('overridden');
  expect((await (await page.request.get(`/api/environments/${previewId}`)).json()).environment.imageOverrides).toBeNull();
  await page.goto(`/projects/${projectId}/env/${previewId}`);
  await expect(page.getByTestId('environment-switcher')).toContainText('pr-6');
});

test('screenshots of the share page and the preview banner', async ({ page, browser, account: _signedUp }) => {
  mkdirSync('docs/screenshots', { recursive: true });
  await page.setViewportSize({ width: 1360, height: 820 });
  await newProjectWithService(page, 'web');
  await page.getByTestId('add-service').click();
  const form = page.getByRole('form', { name: 'New service' });
  await form.getByLabel('Name').fill('api');
  await form.getByLabel('Image').fill('containr/node');
  await form.getByRole('button', { name: 'Add service' }).click();
  await page.keyboard.press('Escape');
  await forkIntoPreview(page, 'pr-42');
  const url = await createShareLink(page);
  // Colour transitions would be caught half way right after switching the scheme.
  await page.addStyleTag({ content: '*, *::before, *::after { transition: none !important; }' });
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: `docs/screenshots/preview-share-panel-${scheme}.png` });
  }
  await page.keyboard.press('Escape');
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: `docs/screenshots/preview-banner-${scheme}.png` });
    const visitor = await guest(browser, scheme);
    await visitor.page.goto(url);
    await expect(node(visitor.page, 'api')).toBeVisible();
    await expect(visitor.page.getByTestId('connection')).toHaveAttribute('data-state', 'live');
    await visitor.page.screenshot({ path: `docs/screenshots/share-page-${scheme}.png` });
    await visitor.page.goto(`/share/ctrs_${'x'.repeat(43)}`);
    await visitor.page.screenshot({ path: `docs/screenshots/share-dead-${scheme}.png` });
    await visitor.context.close();
  }
});
