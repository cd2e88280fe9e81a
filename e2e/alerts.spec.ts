/**
 * Alerts end to end, with the webServer's in-process agent on the real Docker engine: a rule
 * made in the service panel (CPU > 50 % from the first sample), a service that burns a core,
 * the node turning red with the rule's title and the bell counting it, acknowledging from the
 * bell (the node turns amber), and the project's Alerts page showing the history.
 *
 *   CONTAINR_BUILD_DIR=build-alerts-ui npx remix vite:build
 *   eval "$(bash scripts/engine.sh up | tail -1)"
 *   CONTAINR_BUILD_DIR=build-alerts-ui E2E_PORT=3205 npx playwright test e2e/alerts.spec.ts
 *   (screenshots: SCREENSHOTS=1 … -g "screenshots of")
 */
import type { Locator, Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { expect, test } from './fixtures';

/** The image is local: a container is up in seconds; a busy engine gets a minute. */
const DEPLOYED = { timeout: 60_000 };
/** The budget is 5 s from the breaching sample; the first samples come a few seconds after the start. */
const FIRES = { timeout: 45_000 };

test.describe.configure({ timeout: 240_000 });

const BURN = 'sh -c "while :; do :; done"';
const node = (page: Page, name: string): Locator => page.locator(`[data-testid="canvas-node"][data-name="${name}"]`);

async function createProject(page: Page, name: string): Promise<{ projectId: string; environmentId: string }> {
  await page.getByLabel('New project').fill(name);
  await page.getByRole('button', { name: 'Create project' }).click();
  await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'live');
  const match = /\/projects\/([^/]+)\/env\/([^/?#]+)/.exec(page.url());
  if (!match) throw new Error(`not on a canvas: ${page.url()}`);
  return { projectId: match[1], environmentId: match[2] };
}

async function addService(page: Page, name: string, image: string, command: string) {
  await page.getByTestId('add-service').click();
  const form = page.getByRole('form', { name: 'New service' });
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Image').fill(image);
  await form.getByRole('button', { name: 'Add service' }).click();
  await expect(node(page, name)).toBeVisible();
  const field = page.locator('#field-sp-command');
  await field.fill(command);
  await field.press('Enter');
}

async function deploy(page: Page, message: string) {
  await page.getByTestId('deploy-button').click();
  const popover = page.getByRole('dialog', { name: 'Deploy', exact: true });
  await popover.getByLabel('Message').fill(message);
  await popover.getByTestId('deploy-submit').click();
  await expect(popover).toBeHidden();
}

/** Creates a CPU rule from the open panel's Alerts tab. */
async function createCpuRule(page: Page, name: string) {
  const panel = page.getByTestId('service-panel');
  await panel.getByRole('tab', { name: 'Alerts' }).click();
  const tab = panel.getByTestId('service-alerts');
  await tab.getByTestId('new-rule').click();
  const form = tab.getByTestId('rule-form');
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Metric', { exact: true }).selectOption('cpuPercent');
  await form.getByLabel('Operator').selectOption('>');
  await form.getByLabel('Threshold', { exact: true }).fill('50');
  await form.getByLabel('For seconds').fill('0');
  await form.getByLabel('Severity').selectOption('critical');
  await form.getByTestId('rule-save').click();
  await expect(tab.locator(`[data-testid="alert-rule"][data-name="${name}"]`)).toBeVisible();
}

function engineContainers(environmentId: string): Promise<number | null> {
  const host = process.env.DOCKER_HOST;
  if (!host?.startsWith('unix://')) return Promise.resolve(null);
  const filters = encodeURIComponent(JSON.stringify({ label: [`containr.environment=${environmentId}`] }));
  return new Promise((resolve, reject) => {
    const req = httpRequest({ socketPath: host.slice('unix://'.length), path: `/containers/json?all=1&filters=${filters}` }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve((JSON.parse(body) as unknown[]).length));
    });
    req.on('error', reject);
    req.end();
  });
}

let cleanup: { page: Page; projectId: string; environmentId: string } | null = null;

test.afterEach(async () => {
  if (!cleanup) return;
  const { page, projectId, environmentId } = cleanup;
  cleanup = null;
  expect((await page.request.delete(`/api/projects/${projectId}`)).status()).toBe(204);
  if (process.env.DOCKER_HOST) await expect.poll(() => engineContainers(environmentId), { timeout: 30_000 }).toBe(0);
});

test('a CPU rule from the panel fires on a busy service: red node, bell, acknowledge', async ({ page, account: _signedUp }) => {
  const { projectId, environmentId } = await createProject(page, `alerts-${Date.now().toString(36)}`);
  cleanup = { page, projectId, environmentId };
  await addService(page, 'burner', 'containr/busybox:latest', BURN);
  const panel = page.getByTestId('service-panel');
  const tab = panel.getByTestId('service-alerts');

  await test.step('the panel lists the project’s default rules, and refuses a bad rule next to its field', async () => {
    await panel.getByRole('tab', { name: 'Alerts' }).click();
    await expect(tab.locator('[data-testid="alert-rule"][data-name="Container crashed"]')).toBeVisible();
    await expect(tab.getByTestId('no-alerts')).toBeVisible();
    await tab.getByTestId('new-rule').click();
    const form = tab.getByTestId('rule-form');
    // Not a number: caught before sending.
    await form.getByLabel('Threshold', { exact: true }).fill('lots');
    await form.getByTestId('rule-save').click();
    await expect(form.getByTestId('rule-error-threshold')).toHaveText('enter a number');
    // A memory percentage above 100: the server's 422 issue, shown on the threshold.
    await form.getByLabel('Metric', { exact: true }).selectOption('memoryPercent');
    await form.getByLabel('Threshold', { exact: true }).fill('150');
    await form.getByTestId('rule-save').click();
    await expect(form.getByTestId('rule-error-threshold')).toHaveText('a memory percentage is between 0 and 100');
    await expect(form.getByLabel('Threshold', { exact: true })).toHaveAttribute('aria-invalid', 'true');
    await form.getByRole('button', { name: 'Cancel' }).click();
  });

  await test.step('a CPU rule for this service: CPU > 50 % from the first sample', async () => {
    await createCpuRule(page, 'Hot CPU');
    const rule = tab.locator('[data-testid="alert-rule"][data-name="Hot CPU"]');
    await expect(rule).toContainText('CPU > 50 %');
    await expect(rule).toContainText('this service in production');
  });

  await test.step('deploy the burner: the node turns red with the rule’s title, the bell counts it', async () => {
    await expect(page.getByTestId('alerts-bell')).toHaveAttribute('data-firing', '0');
    await deploy(page, 'Burn a core');
    await expect(node(page, 'burner').getByTestId('node-status')).toHaveAttribute('data-state', 'running', DEPLOYED);
    await expect(node(page, 'burner')).toHaveAttribute('data-alert', 'firing', FIRES);
    await expect(node(page, 'burner').getByTestId('node-alert')).toContainText('Hot CPU');
    await expect(page.getByTestId('alerts-bell')).toHaveAttribute('data-firing', '1');
    await expect(page.getByTestId('bell-count')).toHaveText('1');
    // The panel's list follows /live.
    await expect(tab.getByTestId('alert-row').filter({ hasText: 'Hot CPU' })).toHaveAttribute('data-state', 'firing');
  });

  await test.step('acknowledge from the bell: the node turns amber, the bell stops counting it', async () => {
    await page.getByTestId('alerts-bell').locator('summary').click();
    const row = page.getByTestId('bell-list').getByTestId('alert-row').filter({ hasText: 'Hot CPU' });
    await expect(row).toHaveAttribute('data-state', 'firing');
    await expect(row).toContainText('alerts-');
    // Opening the bell marked everything seen.
    await expect(page.getByTestId('alerts-bell')).toHaveAttribute('data-unread', '0');
    await row.getByTestId('alert-ack').click();
    await expect(row).toHaveAttribute('data-state', 'acknowledged');
    await expect(row).toContainText('by Ana Lima');
    await expect(node(page, 'burner')).toHaveAttribute('data-alert', 'acknowledged');
    await expect(node(page, 'burner').getByTestId('node-alert')).toContainText('Hot CPU');
    await expect(page.getByTestId('alerts-bell')).toHaveAttribute('data-firing', '0');
    await expect(page.getByTestId('bell-count')).toHaveCount(0);
    await page.getByTestId('alerts-bell').locator('summary').click();
    await expect(page.getByTestId('bell-list')).toBeHidden();
    await expect(tab.getByTestId('alert-row').filter({ hasText: 'Hot CPU' })).toHaveAttribute('data-state', 'acknowledged');
  });

  await test.step('the project’s Alerts page: history, filters, rules', async () => {
    await page.getByRole('link', { name: 'Alerts', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Alerts', level: 1 })).toBeVisible();
    const rows = page.getByTestId('history-row');
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toHaveAttribute('data-state', 'acknowledged');
    await expect(rows.first()).toContainText('Hot CPU');
    await page.getByTestId('filter-state').selectOption('resolved');
    await expect(page.getByTestId('history-empty')).toContainText('No alert matches these filters');
    await page.getByTestId('filter-state').selectOption('open');
    await expect(rows).toHaveCount(1);
    // The alert's notifications: none (the rule names no channel).
    await rows.first().click();
    await expect(page.getByText('Nothing sent yet.')).toBeVisible();

    await page.getByRole('link', { name: /^Rules/ }).click();
    await expect(page.locator('[data-testid="alert-rule"][data-name="Hot CPU"]')).toContainText('burner in production');
    await expect(page.locator('[data-testid="alert-rule"][data-name="Node lost"]')).toBeVisible();
  });
});

test('channels: a webhook’s secret is shown once, a failing target shows its deliveries', async ({ page, account: _signedUp }) => {
  const { projectId, environmentId } = await createProject(page, `chan-${Date.now().toString(36)}`);
  cleanup = { page, projectId, environmentId };
  await page.goto(`/projects/${projectId}/alerts?view=channels`);
  await expect(page.locator('[data-testid="alert-channel"][data-name="Team email"]')).toContainText('every owner, every admin');

  await page.getByTestId('new-channel').click();
  await page.getByRole('radio', { name: 'Webhook' }).click();
  await page.getByLabel('Name').fill('Receiver');
  await page.getByLabel('URL').fill('ftp://example.test/hook');
  await page.getByRole('button', { name: 'Create channel' }).click();
  await expect(page.getByTestId('channel-error-url')).toHaveText('use an http:// or https:// URL without credentials');

  // Nothing listens on port 9: every attempt fails, and the delivery says so.
  await page.getByLabel('URL').fill('http://127.0.0.1:9/hook');
  await page.getByRole('button', { name: 'Create channel' }).click();
  const channel = page.locator('[data-testid="alert-channel"][data-name="Receiver"]');
  await expect(channel.getByTestId('channel-secret')).toContainText('whsec_');
  await channel.getByRole('button', { name: 'Done' }).click();
  await expect(channel.getByTestId('channel-secret')).toHaveCount(0);
  await expect(channel).toContainText('signed · whsec_');

  await channel.getByRole('button', { name: 'Send test' }).click();
  const delivery = channel.getByTestId('delivery').first();
  await expect(delivery).toContainText('Test');
  // The first attempt fails at once (connection refused); reopening the list shows its error.
  await expect
    .poll(
      async () => {
        await channel.getByRole('button', { name: 'Deliveries' }).click();
        await channel.getByRole('button', { name: 'Deliveries' }).click();
        return channel.getByTestId('delivery').first().locator('.al-delivery-error').count();
      },
      { timeout: 20_000 },
    )
    .toBe(1);
  await expect(channel.getByTestId('delivery').first()).not.toHaveAttribute('data-status', 'succeeded');
});

// Documentation screenshots: SCREENSHOTS=1 (with DOCKER_HOST) npx playwright test e2e/alerts.spec.ts -g screenshots
test('screenshots of the bell, the panel’s Alerts tab and the project’s Alerts page', async ({ page, account: _signedUp }) => {
  mkdirSync('docs/screenshots', { recursive: true });
  await page.setViewportSize({ width: 1440, height: 900 });
  const { projectId, environmentId } = await createProject(page, `shop-${Date.now().toString(36)}`);
  cleanup = { page, projectId, environmentId };
  await page.request.post(`/api/projects/${projectId}/alert-channels`, { data: { type: 'webhook', name: 'Ops webhook', url: 'http://127.0.0.1:9/hook' } });
  await addService(page, 'api', 'containr/busybox:latest', BURN);
  await createCpuRule(page, 'CPU above 50 %');
  await addService(page, 'worker', 'containr/busybox:latest', 'sleep 3600');
  await deploy(page, 'First deploy');
  await expect(node(page, 'api')).toHaveAttribute('data-alert', 'firing', FIRES);
  await node(page, 'api').click();
  await page.getByTestId('service-panel').getByRole('tab', { name: 'Alerts' }).click();
  await expect(page.getByTestId('service-alerts').getByTestId('alert-row').first()).toBeVisible();

  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ animations: 'disabled', path: `docs/screenshots/alerts-panel-${scheme}.png` });
    await page.getByTestId('alerts-bell').locator('summary').click();
    await expect(page.getByTestId('bell-list')).toBeVisible();
    await page.screenshot({ animations: 'disabled', path: `docs/screenshots/alerts-bell-${scheme}.png`, clip: { x: 840, y: 0, width: 600, height: 420 } });
    await page.getByTestId('alerts-bell').locator('summary').click();
    await expect(page.getByTestId('bell-list')).toBeHidden();
  }
  await page.getByRole('link', { name: 'Alerts', exact: true }).click();
  await expect(page.getByTestId('history-row').first()).toBeVisible();
  await page.getByTestId('history-row').first().click();
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ animations: 'disabled', path: `docs/screenshots/alerts-page-${scheme}.png`, fullPage: true });
  }
  await page.getByRole('link', { name: /^Rules/ }).click();
  await expect(page.getByTestId('alert-rule').first()).toBeVisible();
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ animations: 'disabled', path: `docs/screenshots/alerts-rules-${scheme}.png`, fullPage: true });
  }
  await page.getByRole('link', { name: /^Channels/ }).click();
  await page.locator('[data-testid="alert-channel"][data-name="Ops webhook"]').getByRole('button', { name: 'Deliveries' }).click();
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ animations: 'disabled', path: `docs/screenshots/alerts-channels-${scheme}.png`, fullPage: true });
  }
});
