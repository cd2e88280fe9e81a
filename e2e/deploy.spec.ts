/**
 * Deploying for real: the webServer's in-process agent drives the Docker engine at
 * DOCKER_HOST. A service from `containr/busybox` is added on the canvas, deployed, served
 * through the router, changed and deployed again, then rolled back from the history page.
 * Deleting the project at the end must remove its containers.
 *
 *   npx remix vite:build && DOCKER_HOST=unix:///work/main/.containr/engine/docker.sock \
 *     E2E_PORT=3231 npx playwright test e2e/deploy.spec.ts --output=/tmp/pw-deploy
 */
import type { Locator, Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { expect, test } from './fixtures';

/** Pulling nothing (the image is local), a container is up in seconds; a slow engine gets a minute. */
const DEPLOYED = { timeout: 60_000 };

test.describe.configure({ timeout: 240_000 });

const node = (page: Page, name: string): Locator => page.locator(`[data-testid="canvas-node"][data-name="${name}"]`);

/** Serves `text` on :8080 from busybox's httpd. */
const serve = (text: string) => `sh -c "mkdir -p /www && echo ${text} > /www/index.html && exec httpd -f -v -p 8080 -h /www"`;

async function createProject(page: Page, name: string): Promise<{ projectId: string; environmentId: string }> {
  await page.getByLabel('New project').fill(name);
  await page.getByRole('button', { name: 'Create project' }).click();
  await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'live');
  const match = /\/projects\/([^/]+)\/env\/([^/?#]+)/.exec(page.url());
  if (!match) throw new Error(`not on a canvas: ${page.url()}`);
  return { projectId: match[1], environmentId: match[2] };
}

async function addService(page: Page, name: string, image: string) {
  await page.getByTestId('add-service').click();
  const form = page.getByRole('form', { name: 'New service' });
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Image').fill(image);
  await form.getByRole('button', { name: 'Add service' }).click();
  await expect(node(page, name)).toBeVisible();
  // A new node is selected: its settings panel is open.
  await expect(page.locator('#field-sp-command')).toBeVisible();
}

async function setCommand(page: Page, command: string) {
  const field = page.locator('#field-sp-command');
  await field.fill(command);
  await field.press('Enter');
}

async function addPublicPort(page: Page, port: number) {
  await page.getByLabel('New port').fill(String(port));
  await page.getByRole('button', { name: 'Add port' }).click();
  await page.getByLabel(`Port ${port} public`).check();
}

async function deploy(page: Page, message: string) {
  await page.getByTestId('deploy-button').click();
  const popover = page.getByRole('dialog', { name: 'Deploy', exact: true });
  await popover.getByLabel('Message').fill(message);
  await popover.getByTestId('deploy-submit').click();
}

/** What the service answers at its public URL, through chromium (which resolves *.localhost to loopback). */
async function fetchThroughRouter(page: Page, url: string): Promise<string> {
  const tab = await page.context().newPage();
  try {
    const response = await tab.goto(url, { timeout: 10_000 });
    return `${response?.status() ?? 0} ${(await tab.locator('body').innerText()).trim()}`;
  } catch (error) {
    return `unreachable: ${String(error).split('\n')[0]}`;
  } finally {
    await tab.close();
  }
}

/** Containers of an environment as the engine lists them (by our labels), or null without DOCKER_HOST. */
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
  const deleted = await page.request.delete(`/api/projects/${projectId}`);
  expect(deleted.status()).toBe(204);
  // The environment went with it: no status, and the engine holds none of its containers.
  expect((await page.request.get(`/api/environments/${environmentId}/status`)).status()).toBe(404);
  if (process.env.DOCKER_HOST) await expect.poll(() => engineContainers(environmentId), { timeout: 30_000 }).toBe(0);
});

test('deploy a service, change it, roll it back', async ({ page, account: _signedUp }) => {
  const slug = `shop-${Date.now().toString(36)}`;
  const { projectId, environmentId } = await createProject(page, slug);
  cleanup = { page, projectId, environmentId };

  await test.step('nothing is deployed yet', async () => {
    await expect(page.getByTestId('deployment-pill')).toHaveCount(0);
    await page.getByTestId('deploy-button').click();
    await expect(page.getByTestId('deploy-summary')).toHaveText('Nothing to deploy yet: add a service first.');
    await expect(page.getByTestId('deploy-submit')).toBeDisabled();
    await page.keyboard.press('Escape');
  });

  await test.step('a service from an image, serving on a public port', async () => {
    await addService(page, 'web', 'containr/busybox:latest');
    await setCommand(page, serve('hello-v1'));
    await addPublicPort(page, 8080);
    await expect(node(page, 'web').locator('.cnode-port')).toHaveText(':8080');
    await expect(node(page, 'web').getByTestId('node-status')).toHaveText('Not deployed');
    await expect(page.getByTestId('staged-changes-button')).toHaveAttribute('data-count', '1');
  });

  let url = '';
  await test.step('deploy: the node goes green, with its URL', async () => {
    await deploy(page, 'First deploy');
    await expect(page.getByRole('dialog', { name: 'Deploy', exact: true })).toBeHidden();
    await expect(page.getByTestId('deploy-toast').first()).toContainText('Commit #1 created, deploying');
    // Compared with commit #1 now, nothing is staged.
    await expect(page.getByTestId('staged-changes-button')).toHaveAttribute('data-count', '0');
    const status = node(page, 'web').getByTestId('node-status');
    await expect(status).toHaveAttribute('data-state', 'running', DEPLOYED);
    await expect(status).toContainText('Running');
    await expect(node(page, 'web').getByTestId('node-replicas')).toHaveText('1/1');
    await expect(page.getByTestId('deployment-pill')).toHaveAttribute('data-status', 'succeeded', DEPLOYED);
    // The drawer the deploy opened shows its steps, then closes itself after a success.
    await expect(page.getByTestId('deployment-drawer')).toBeHidden();

    const link = node(page, 'web').getByTestId('node-url');
    url = (await link.getAttribute('href')) ?? '';
    const port = new URL(page.url()).port;
    expect(url).toBe(`http://web-production.${slug}.localhost:${port}`);
    await expect(link).toHaveAttribute('target', '_blank');
    await expect.poll(() => fetchThroughRouter(page, url), DEPLOYED).toBe('200 hello-v1');
  });

  await test.step('the deployment drawer lists its steps', async () => {
    await page.getByTestId('deployment-pill').click();
    const drawer = page.getByTestId('deployment-drawer');
    await expect(drawer.getByTestId('deployment-status')).toHaveText('Succeeded');
    await expect(drawer.getByTestId('deployment-events')).toContainText('Deployment succeeded');
    await expect(drawer.getByTestId('deployment-cancel')).toHaveCount(0);
    await drawer.getByRole('button', { name: 'Close' }).click();
    await expect(drawer).toBeHidden();
  });

  await test.step('change it and deploy again', async () => {
    await node(page, 'web').click();
    await setCommand(page, serve('hello-v2'));
    await expect(page.getByTestId('staged-changes-button')).toHaveAttribute('data-count', '1');
    await deploy(page, 'Say hello-v2');
    await expect(page.getByTestId('staged-changes-button')).toHaveAttribute('data-count', '0');
    await expect(page.getByTestId('deployment-pill')).toHaveAttribute('data-status', 'succeeded', DEPLOYED);
    await expect(node(page, 'web').getByTestId('node-status')).toHaveAttribute('data-state', 'running', DEPLOYED);
    await expect.poll(() => fetchThroughRouter(page, url), DEPLOYED).toBe('200 hello-v2');
  });

  await test.step('the history shows both commits with what they changed', async () => {
    await page.getByRole('link', { name: 'Deployments' }).click();
    await expect(page.getByRole('heading', { name: 'Deployments', level: 1 })).toBeVisible();
    const commits = page.getByTestId('commit');
    await expect(commits).toHaveCount(2);
    await expect(commits.nth(0)).toHaveAttribute('data-number', '2');
    await expect(commits.nth(0)).toContainText('Say hello-v2');
    await expect(commits.nth(0)).toContainText('Start command');
    await expect(commits.nth(0)).toContainText('hello-v2');
    await expect(commits.nth(1)).toContainText('First deploy');
    await expect(commits.nth(1)).toContainText('New');
    await expect(page.getByTestId('deployment')).toHaveCount(2);
    await expect(page.getByTestId('deployment').first()).toHaveAttribute('data-status', 'succeeded');
  });

  await test.step('roll back to #1 from the history page', async () => {
    const first = page.locator('[data-testid="commit"][data-number="1"]');
    await first.getByRole('button', { name: 'Roll back to this' }).click();
    await expect(page.getByTestId('history-notice')).toContainText('Commit #3 rolls back to #1');
    const rollback = page.locator('[data-testid="commit"][data-number="3"]');
    await expect(rollback.getByTestId('commit-message')).toHaveText('Roll back to #1');
    await expect(rollback).toContainText('rollback of #1');
    await expect(page.getByTestId('deployment').first()).toHaveAttribute('data-status', 'succeeded', DEPLOYED);
    await expect(page.locator('[data-testid="service-state"][data-name="web"]')).toHaveAttribute('data-state', 'running', DEPLOYED);
    await expect.poll(() => fetchThroughRouter(page, url), DEPLOYED).toBe('200 hello-v1');
  });

  await test.step('back on the canvas: the rolled-back spec is the baseline, and web runs', async () => {
    await page.getByRole('link', { name: 'Canvas', exact: true }).click();
    await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'live');
    await expect(node(page, 'web').getByTestId('node-status')).toHaveAttribute('data-state', 'running', DEPLOYED);
    // The canvas still says hello-v2: against commit #3 (hello-v1) that is one staged change.
    await expect(page.getByTestId('staged-changes-button')).toHaveAttribute('data-count', '1');
  });
});

test('the server refuses a commit with problems, and the canvas marks the node', async ({ page, account: _signedUp }) => {
  const { projectId, environmentId } = await createProject(page, `bad-${Date.now().toString(36)}`);
  cleanup = { page, projectId, environmentId };
  await addService(page, 'api', 'containr/busybox:latest');
  // A secret the environment does not have: only the server can tell.
  await page.getByLabel('New secret name').fill('API_KEY');
  await page.getByRole('button', { name: 'Add secret' }).click();
  await expect(node(page, 'api').getByTestId('node-issue')).toHaveCount(0);

  await deploy(page, 'Needs a secret');
  const toast = page.getByTestId('deploy-toast');
  await expect(toast).toContainText('Nothing was deployed: 1 problem to fix');
  await expect(toast).toContainText('api: secretNames.0: no secret named API_KEY in this environment');
  await expect(node(page, 'api').getByTestId('node-issue')).toContainText('no secret named API_KEY');
  await expect(page.getByTestId('deployment-pill')).toHaveCount(0);
  // The form stays open with the message, to try again once fixed.
  await expect(page.getByRole('dialog', { name: 'Deploy', exact: true }).getByLabel('Message')).toHaveValue('Needs a secret');
  await page.keyboard.press('Escape');

  // Set it on the secrets page, then the same commit goes through.
  await page.getByRole('link', { name: 'Secrets' }).click();
  await page.getByLabel('Name').fill('API_KEY');
  await page.getByLabel('Value', { exact: true }).fill('s3cr3t-value');
  await page.getByRole('button', { name: 'Save secret' }).click();
  await expect(page.getByTestId('secrets-notice')).toHaveText('API_KEY added.');
  await expect(page.locator('[data-testid="secret"][data-name="API_KEY"]')).toBeVisible();
  await expect(page.locator('body')).not.toContainText('s3cr3t-value');
  await expect(page.getByLabel('Value', { exact: true })).toHaveValue('');

  await page.getByRole('link', { name: 'Canvas', exact: true }).click();
  await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'live');
  await page.getByTestId('deploy-button').click();
  await page.getByRole('dialog', { name: 'Deploy', exact: true }).getByRole('button', { name: 'Commit without deploy' }).click();
  await expect(page.getByTestId('deploy-toast').first()).toContainText('Commit #1 created');
  await expect(node(page, 'api').getByTestId('node-issue')).toHaveCount(0);
  await expect(page.getByTestId('staged-changes-button')).toHaveAttribute('data-count', '0');
  await expect(page.getByTestId('deployment-pill')).toHaveCount(0);
});

test('the nodes page lists the local node and makes a join command', async ({ page, account: _signedUp }) => {
  await page.getByTestId('user-menu').locator('summary').click();
  await page.getByRole('link', { name: 'Nodes' }).click();
  await expect(page.getByRole('heading', { name: 'Nodes', level: 1 })).toBeVisible();
  const local = page.locator('[data-testid="node"][data-name="local"]');
  await expect(local).toHaveAttribute('data-state', 'ready', DEPLOYED);
  await expect(local).toContainText('shared');
  await expect(local).toContainText(/\d+ CPUs? · /);
  await expect(local).toContainText(/\d+ s ago/);

  await page.getByTestId('add-node').click();
  await page.getByTestId('create-join-command').click();
  const command = page.getByTestId('join-command');
  await expect(command).toHaveText(/^npm run agent -- --server http:\/\/localhost:\d+ --token cjoin_\S+$/);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.getByTestId('copy-button').click();
  await expect(page.getByTestId('copy-button')).toHaveText('Copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(await command.textContent());
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByText('Unused join commands')).toBeVisible();
});

// Documentation screenshots: SCREENSHOTS=1 (with DOCKER_HOST) npx playwright test e2e/deploy.spec.ts -g screenshots
test('screenshots of deploying', async ({ page, account: _signedUp }) => {
  mkdirSync('docs/screenshots', { recursive: true });
  await page.setViewportSize({ width: 1440, height: 860 });
  const { projectId, environmentId } = await createProject(page, `storefront-${Date.now().toString(36)}`);
  cleanup = { page, projectId, environmentId };

  await addService(page, 'web', 'containr/busybox:latest');
  await setCommand(page, serve('storefront'));
  await addPublicPort(page, 8080);
  await addService(page, 'worker', 'containr/busybox:latest');
  await setCommand(page, 'sh -c "while true; do sleep 5; done"');
  await page.getByLabel('Replicas').fill('2');
  await page.getByLabel('Replicas').press('Enter');
  await page.keyboard.press('Escape');
  await deploy(page, 'Storefront and its worker');
  await expect(node(page, 'web').getByTestId('node-status')).toHaveAttribute('data-state', 'running', DEPLOYED);
  await expect(node(page, 'worker').getByTestId('node-status')).toHaveAttribute('data-state', 'running', DEPLOYED);
  await expect(page.getByTestId('deployment-pill')).toHaveAttribute('data-status', 'succeeded', DEPLOYED);

  // A second commit, so the history has a diff to show.
  await node(page, 'web').click();
  await setCommand(page, serve('storefront-v2'));
  await page.keyboard.press('Escape');
  await deploy(page, 'New landing page');
  await expect(page.getByTestId('deployment-pill')).toHaveAttribute('data-status', 'succeeded', DEPLOYED);
  await expect(node(page, 'web').getByTestId('node-status')).toHaveAttribute('data-state', 'running', DEPLOYED);
  // A fresh load: fitted to the nodes, no toasts.
  await page.reload();
  await expect(node(page, 'web').getByTestId('node-status')).toHaveAttribute('data-state', 'running');

  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.getByTestId('deployment-pill').click();
    await expect(page.getByTestId('deployment-drawer')).toBeVisible();
    await page.mouse.move(0, 0);
    await page.screenshot({ animations: 'disabled', path: `docs/screenshots/deploy-canvas-${scheme}.png` });
    await page.getByTestId('deployment-drawer').getByRole('button', { name: 'Close' }).click();
  }

  // A staged change, to deploy from the header's popover or the staged-changes panel.
  await node(page, 'worker').click();
  await page.getByLabel('Replicas').fill('3');
  await page.getByLabel('Replicas').press('Enter');
  await page.locator('.react-flow__pane').click({ position: { x: 40, y: 300 } });
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.getByTestId('deploy-button').click();
    await page.getByRole('dialog', { name: 'Deploy', exact: true }).getByLabel('Message').fill('Three workers for the sale');
    await page.screenshot({ animations: 'disabled', path: `docs/screenshots/deploy-popover-${scheme}.png` });
    await page.keyboard.press('Escape');
    await page.getByTestId('staged-changes-button').click();
    await page.screenshot({ animations: 'disabled', path: `docs/screenshots/deploy-staged-${scheme}.png` });
    await page.getByTestId('staged-changes-button').click();
  }

  await page.getByRole('link', { name: 'Deployments' }).click();
  await expect(page.getByTestId('commit')).toHaveCount(2);
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ animations: 'disabled', path: `docs/screenshots/deploy-history-${scheme}.png`, fullPage: true });
  }

  await page.getByRole('link', { name: 'Secrets' }).click();
  await page.getByLabel('Name').fill('STRIPE_SECRET_KEY');
  await page.getByLabel('Value', { exact: true }).fill('sk_test_123');
  await page.getByRole('button', { name: 'Save secret' }).click();
  await expect(page.getByTestId('secrets-notice')).toHaveText('STRIPE_SECRET_KEY added.');
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ animations: 'disabled', path: `docs/screenshots/deploy-secrets-${scheme}.png`, fullPage: true });
  }

  await page.goto('/nodes');
  await expect(page.locator('[data-testid="node"][data-name="local"]')).toHaveAttribute('data-state', 'ready');
  await page.getByTestId('add-node').click();
  await page.getByTestId('create-join-command').click();
  await expect(page.getByTestId('join-command')).toBeVisible();
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ animations: 'disabled', path: `docs/screenshots/deploy-nodes-${scheme}.png`, fullPage: true });
  }
});
