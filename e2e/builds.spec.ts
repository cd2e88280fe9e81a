/**
 * Builds from git, for real: the test makes a git repository (a Node app without a
 * Dockerfile) in a temporary directory, connects it to a service in the side panel, deploys,
 * reads the build's output as it streams into the deployment drawer, opens the service's URL
 * through the router, and finds the generated Dockerfile in the panel, ready to eject.
 *
 *   CONTAINR_BUILD_DIR=build-h9 npx remix vite:build && \
 *   DOCKER_HOST=unix:///work/main/.containr/engine/docker.sock CONTAINR_BUILD_DIR=build-h9 \
 *     E2E_PORT=3291 npx playwright test e2e/builds.spec.ts --output=/tmp/pw-h9
 */
import type { Locator, Page } from '@playwright/test';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { githubPush, gitRepo, nodeFiles, siteFiles } from '../server/builds/test-repos';
import { expect, test } from './fixtures';

/** A cold build of the sample plus a container start; the engine here is shared and slow at times. */
const BUILT = { timeout: 120_000 };
const SHOTS = process.env.BUILDS_SHOTS_DIR;

test.describe.configure({ timeout: 300_000 });

const node = (page: Page, name: string): Locator => page.locator(`[data-testid="canvas-node"][data-name="${name}"]`);

/** The Node sample, with a build script that prints a numbered line a second for 6 s: a build slow enough to watch. */
function sampleRepo(root: string) {
  const files = nodeFiles('hello from a git build');
  const pkg = JSON.parse(files['package.json']) as { scripts: Record<string, string> };
  const tick = `console.log('compiling part ' + ++i); if (i === 6) clearInterval(t);`;
  pkg.scripts.build = `node -e "let i = 0; const t = setInterval(() => { ${tick} }, 1000)"`;
  // A file of its own makes every run's build context new: the layer cache of an earlier run never skips the script.
  return gitRepo(root, 'shop', { ...files, 'package.json': JSON.stringify(pkg, null, 2), 'run-id.txt': `${randomUUID()}\n` });
}

async function createProject(page: Page, name: string): Promise<{ projectId: string; environmentId: string }> {
  await page.getByLabel('New project').fill(name);
  await page.getByRole('button', { name: 'Create project' }).click();
  await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'live');
  const match = /\/projects\/([^/]+)\/env\/([^/?#]+)/.exec(page.url());
  if (!match) throw new Error(`not on a canvas: ${page.url()}`);
  return { projectId: match[1], environmentId: match[2] };
}

/** Adds a service from the toolbar (which offers images), then makes its source the git repository at `url` in the panel. */
async function addGitService(page: Page, name: string, url: string) {
  await page.getByTestId('add-service').click();
  const form = page.getByRole('form', { name: 'New service' });
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Image').fill('containr/busybox:latest');
  await form.getByRole('button', { name: 'Add service' }).click();
  await expect(node(page, name)).toBeVisible();
  const panel = page.getByTestId('service-panel');
  await panel.getByRole('radiogroup', { name: 'Source type' }).getByRole('radio', { name: 'Git repository' }).check();
  const repository = panel.locator('#field-sp-repo');
  await repository.fill(url);
  await repository.press('Enter');
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

/** Removes the images the build tagged `containr/<slug>/…` (nothing to do without a unix DOCKER_HOST). */
async function removeBuiltImages(slug: string): Promise<void> {
  const host = process.env.DOCKER_HOST;
  if (!host?.startsWith('unix://')) return;
  const socketPath = host.slice('unix://'.length);
  const call = (method: string, path: string) =>
    new Promise<string>((resolve, reject) => {
      const req = httpRequest({ socketPath, method, path }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.end();
    });
  const images = JSON.parse(await call('GET', '/images/json')) as Array<{ Id: string; RepoTags: string[] | null }>;
  for (const image of images) {
    if ((image.RepoTags ?? []).some((t) => t.startsWith(`containr/${slug}/`))) await call('DELETE', `/images/${image.Id}?force=1`);
  }
}

let root = '';
let cleanup: { page: Page; projectId: string; slug: string } | null = null;

test.beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'containr-e2e-builds-'));
});

test.afterEach(async () => {
  if (!cleanup) return;
  const { page, projectId, slug } = cleanup;
  cleanup = null;
  expect((await page.request.delete(`/api/projects/${projectId}`)).status()).toBe(204);
  await removeBuiltImages(slug);
});

test.afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

test('connect a git repository, deploy, watch the build, open the URL', async ({ page, account: _signedUp }) => {
  const slug = `gitshop-${Date.now().toString(36)}`;
  const { projectId, environmentId } = await createProject(page, slug);
  cleanup = { page, projectId, slug };
  const repo = sampleRepo(root);
  const panel = page.getByTestId('service-panel');

  await test.step('a service whose source is the repository', async () => {
    await addGitService(page, 'web', repo.url);
    await expect(panel.locator('#field-sp-branch')).toHaveValue('main');
    // A local repository needs no credentials; pushes deploy by default.
    await expect(panel.locator('#field-sp-credentials')).toHaveValue('');
    await expect(panel.getByRole('checkbox', { name: /Deploy on push/ })).toBeChecked();
    await expect(panel.getByTestId('dockerfile-none')).toBeVisible();

    await page.getByLabel('New port').fill('3000');
    await page.getByRole('button', { name: 'Add port' }).click();
    await page.getByLabel('Port 3000 public').check();
    await expect(node(page, 'web').locator('.cnode-port')).toHaveText(':3000');
    if (SHOTS) await panel.screenshot({ path: join(SHOTS, 'builds-source-form.png') });
  });

  await test.step('deploy: the build log streams into the drawer', async () => {
    await deploy(page, 'First build');

    const drawer = page.getByTestId('deployment-drawer');
    const log = drawer.getByTestId('build-log');
    await expect(drawer.getByTestId('build-step').first()).toContainText(`web: building ${repo.url}`, BUILT);
    // Live: at some moment the build script's first line is on screen and its last one is not printed yet.
    const seen: string[] = [];
    const onNode: string[] = [];
    await expect
      .poll(
        async () => {
          onNode.push((await node(page, 'web').getByTestId('node-log').allInnerTexts()).join(''));
          const text = (await log.allInnerTexts()).join('\n');
          if (text.includes('compiling part 1') && !text.includes('compiling part 6'))
            seen.push(`${await page.getByTestId('deployment-pill').getAttribute('data-status')}`);
          return text.includes('compiling part 6');
        },
        { ...BUILT, intervals: [100] },
      )
      .toBe(true);
    expect(seen.length, 'the first lines before the last').toBeGreaterThan(0);
    expect(seen[0]).toBe('running');
    // The canvas node shows the build's newest line while it builds.
    expect(onNode.some((t) => t.includes('compiling part')), onNode.join(' | ')).toBe(true);
    // The build's own lines come as written: the engine's steps, in monospace, not capitalized.
    await expect(log).toContainText(/Step 1\/\d+ : FROM containr\/node/);
    await expect(log).toHaveCSS('font-family', /mono/i);
    if (SHOTS) await drawer.screenshot({ path: join(SHOTS, 'builds-drawer-log.png') });
  });

  await test.step('the service runs the build and answers at its URL', async () => {
    const status = node(page, 'web').getByTestId('node-status');
    await expect(status).toHaveAttribute('data-state', 'running', BUILT);
    await expect(page.getByTestId('deployment-pill')).toHaveAttribute('data-status', 'succeeded', BUILT);
    await expect(page.getByTestId('deployment-drawer').getByTestId('build-step').first()).toHaveClass(/is-ok/);
    const url = (await node(page, 'web').getByTestId('node-url').getAttribute('href')) ?? '';
    expect(url).toBe(`http://web-production.${slug}.localhost:${new URL(page.url()).port}`);
    await expect.poll(() => fetchThroughRouter(page, url), BUILT).toBe('200 hello from a git build');
  });

  await test.step('the generated Dockerfile is in the panel, to copy or download', async () => {
    await node(page, 'web').click();
    await expect(panel).toBeVisible();
    const dockerfile = panel.getByTestId('generated-dockerfile');
    await expect(dockerfile).toContainText('Node runtime', BUILT);
    await expect(dockerfile.locator('pre')).toContainText('FROM containr/node');
    await expect(dockerfile.locator('pre')).toContainText('CMD');
    await expect(dockerfile).toContainText('save it as Dockerfile in the root directory and commit it');
    const [download] = await Promise.all([page.waitForEvent('download'), dockerfile.getByTestId('dockerfile-download').click()]);
    expect(download.suggestedFilename()).toBe('Dockerfile');
    const saved = await download.path();
    expect(readFileSync(saved, 'utf8').trim()).toBe((await dockerfile.locator('pre').innerText()).trim());
    if (SHOTS) {
      await dockerfile.scrollIntoViewIfNeeded();
      await panel.screenshot({ path: join(SHOTS, 'builds-dockerfile.png') });
    }
  });

  await test.step('deploy credentials from the secrets, and deploy on push, are edits like any other', async () => {
    const secret = await page.request.put(`/api/environments/${environmentId}/secrets/DEPLOY_TOKEN`, { data: { value: 'ghp_not-real' } });
    expect(secret.ok()).toBe(true);
    const credentials = panel.locator('#field-sp-credentials');
    await credentials.focus(); // the picker reads the environment's secrets again
    await expect(credentials.locator('option', { hasText: 'DEPLOY_TOKEN' })).toHaveCount(1);
    await credentials.selectOption('DEPLOY_TOKEN');
    await expect(page.getByTestId('staged-changes-button')).toHaveAttribute('data-count', '1');
    await credentials.selectOption('');
    await expect(page.getByTestId('staged-changes-button')).toHaveAttribute('data-count', '0');

    const onPush = panel.getByRole('checkbox', { name: /Deploy on push/ });
    await onPush.uncheck();
    await expect(panel.getByText('A push to main waits as a staged change until the next Deploy.')).toBeVisible();
    await expect(page.getByTestId('staged-changes-button')).toHaveAttribute('data-count', '1');
    if (SHOTS) {
      await onPush.scrollIntoViewIfNeeded();
      await panel.screenshot({ path: join(SHOTS, 'builds-source-git-options.png') });
    }
    await onPush.check();
    await expect(page.getByTestId('staged-changes-button')).toHaveAttribute('data-count', '0');
  });

  await test.step('the Deployments tab shows the build; its full log is the stored one, to read and download', async () => {
    await panel.getByRole('tab', { name: 'Deployments' }).click();
    const build = panel.getByTestId('service-deployment').first().getByTestId('service-build');
    await expect(build).toHaveAttribute('data-status', 'succeeded');
    await expect(build).toContainText('Built');
    await expect(build.getByTestId('build-commit')).toHaveText(repo.first.slice(0, 7));
    await expect(build.getByTestId('build-duration')).toHaveText(/^\d+ (ms|s|min)/);
    const buildId = (await build.getAttribute('data-build-id')) ?? '';
    const stored = ((await (await page.request.get(`/api/builds/${buildId}`)).json()) as { build: { log: string } }).build.log;

    await build.getByTestId('build-log-open').click();
    const dialog = page.getByRole('dialog', { name: 'Build log · web' });
    const full = dialog.getByTestId('build-log-full');
    await expect(full).toContainText('compiling part 6');
    await expect(full).toContainText(/Step 1\/\d+ : FROM containr\/node/);
    await expect(full).toHaveCSS('font-family', /mono/i);
    await expect(full.locator('.bl-line')).toHaveCount(stored.split('\n').length);
    await expect(dialog.getByTestId('build-log-lines')).toHaveText(`${stored.split('\n').length} lines`);
    await expect(dialog.getByTestId('build-log-commit')).toHaveText(repo.first.slice(0, 7));
    const [download] = await Promise.all([page.waitForEvent('download'), dialog.getByTestId('build-log-download').click()]);
    expect(download.suggestedFilename()).toBe(`web-build-${repo.first.slice(0, 7)}.log`);
    expect(readFileSync(await download.path(), 'utf8')).toBe(`${stored}\n`);
    // Escape closes the log, not the panel under it.
    await page.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);
    await expect(panel).toBeVisible();
  });
});

test('cancel a running build from the deployment drawer', async ({ page, account: _signedUp }) => {
  const slug = `slowbuild-${Date.now().toString(36)}`;
  const { projectId } = await createProject(page, slug);
  cleanup = { page, projectId, slug };
  // A step that runs two minutes unless stopped (never cached: it never finishes).
  const repo = gitRepo(root, `slow-${randomUUID().slice(0, 6)}`, {
    Dockerfile: 'FROM containr/busybox\nRUN echo slow-step-started && sleep 120\nCMD ["sleep", "3600"]\n',
  });
  await addGitService(page, 'worker', repo.url);
  await deploy(page, 'A slow build');

  const drawer = page.getByTestId('deployment-drawer');
  await expect(drawer.getByTestId('build-log')).toContainText('slow-step-started', BUILT);
  // The node shows the build's newest line, and that it is building.
  await expect(node(page, 'worker').getByTestId('node-log')).toHaveText(/slow-step-started/);
  await expect(node(page, 'worker').getByTestId('node-status')).toHaveAttribute('data-state', 'building');
  if (SHOTS) await node(page, 'worker').screenshot({ path: join(SHOTS, 'builds-node-building.png') });
  await drawer.getByTestId('build-cancel').click();
  await expect(page.getByTestId('deployment-pill')).toHaveAttribute('data-status', 'cancelled', { timeout: 30_000 });
  await expect(drawer.getByTestId('build-step').first()).toHaveClass(/is-error/);
  await expect(drawer.getByTestId('build-cancel')).toHaveCount(0);
  await expect(drawer.getByText(/worker: build cancelled: cancelled by user-/)).toBeVisible();
  await expect(node(page, 'worker').getByTestId('node-status')).not.toHaveAttribute('data-state', 'building');
  if (SHOTS) await drawer.screenshot({ path: join(SHOTS, 'builds-drawer-cancelled.png') });
});

test('project settings: create and rotate the webhook secret (shown once), the URLs, the delivery log', async ({ page, account: _signedUp }) => {
  const slug = `hooks-${Date.now().toString(36)}`;
  const { projectId } = await createProject(page, slug);
  cleanup = { page, projectId, slug };
  await page.goto(`/projects/${projectId}/settings`);
  const card = page.getByTestId('webhooks');
  await expect(card.getByTestId('webhook-status')).toHaveText('No secret yet: deliveries are refused until one is created.');
  await expect(card.getByTestId('webhook-url-github')).toHaveText(new RegExp(`/api/hooks/github\\?project=${projectId}$`));
  await expect(card.getByTestId('webhook-url-gitlab')).toHaveText(new RegExp(`/api/hooks/gitlab\\?project=${projectId}$`));

  await card.getByRole('button', { name: 'Create secret' }).click();
  const shown = card.getByTestId('webhook-secret');
  await expect(shown).toHaveText(/^whsec_/);
  const secret = (await shown.textContent()) ?? '';
  await expect(card.getByTestId('webhook-status')).toContainText('deliveries act as');

  // Deliveries as GitHub sends them: one unsigned (refused), one signed for a branch no service tracks.
  const body = JSON.stringify(githubPush('https://github.com/acme/web.git', 'main', 'a'.repeat(40)));
  const send = (signature: string | null, delivery: string) =>
    page.request.post(`/api/hooks/github?project=${projectId}`, {
      data: body,
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': delivery,
        ...(signature ? { 'x-hub-signature-256': signature } : {}),
      },
    });
  expect((await send(null, 'unsigned-1')).status()).toBe(401);
  const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  expect((await send(signature, 'signed-1')).status()).toBe(202);

  await card.getByTestId('webhook-refresh').click();
  const rows = card.getByTestId('webhook-delivery');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toHaveAttribute('data-outcome', 'ignored');
  await expect(rows.nth(0)).toContainText('no service tracks main of this repository');
  await expect(rows.nth(1)).toHaveAttribute('data-outcome', 'rejected');
  await expect(rows.nth(1)).toContainText('401');
  if (SHOTS) await card.screenshot({ path: join(SHOTS, 'builds-webhooks-settings.png') });

  // Rotating asks first, shows the new secret once, and the old one stops working.
  page.once('dialog', (dialog) => void dialog.accept());
  await card.getByRole('button', { name: 'Rotate secret' }).click();
  await expect(shown).not.toHaveText(secret);
  await expect(shown).toHaveText(/^whsec_/);
  expect((await send(signature, 'signed-2')).status()).toBe(401);
  await page.reload();
  await expect(card.getByTestId('webhook-status')).toContainText('The secret was rotated');
  await expect(card.getByTestId('webhook-secret')).toHaveCount(0);
});

// Documentation screenshots: SCREENSHOTS=1 (with DOCKER_HOST) npx playwright test e2e/builds.spec.ts -g screenshots
test('screenshots of the builds in the service panel and a full build log', async ({ page, account: _signedUp }) => {
  mkdirSync('docs/screenshots', { recursive: true });
  await page.setViewportSize({ width: 1440, height: 860 });
  const slug = `site-${Date.now().toString(36)}`;
  const { projectId, environmentId } = await createProject(page, slug);
  cleanup = { page, projectId, slug };
  const site = siteFiles('hello from the site');
  const repo = gitRepo(root, `site-${randomUUID().slice(0, 6)}`, {
    ...site,
    Dockerfile: site.Dockerfile.replace('COPY', 'RUN echo "bundling assets" && echo "3 pages, 2 stylesheets"\nCOPY'),
  });
  await addGitService(page, 'site', repo.url);
  await deploy(page, 'Site from git');
  await expect(page.getByTestId('deployment-pill')).toHaveAttribute('data-status', 'succeeded', BUILT);

  // The next commit breaks the build; a redeploy builds the branch's new head and fails, the site keeps running.
  repo.commit({ Dockerfile: 'FROM containr/busybox\nRUN echo "checking links" && echo "broken link: /about" && exit 3\n' }, 'a broken link');
  const commits = (await (await page.request.get(`/api/environments/${environmentId}/commits?limit=1`)).json()) as { commits: Array<{ id: string }> };
  expect((await page.request.post(`/api/commits/${commits.commits[0].id}/redeploy`)).ok()).toBe(true);
  await expect(page.getByTestId('deployment-pill')).toHaveAttribute('data-status', 'failed', BUILT);

  await node(page, 'site').click();
  const panel = page.getByTestId('service-panel');
  await panel.getByRole('tab', { name: 'Deployments' }).click();
  const builds = panel.getByTestId('service-build');
  await expect(builds).toHaveCount(2);
  await expect(builds.nth(0)).toHaveAttribute('data-status', 'failed');
  await expect(builds.nth(1)).toHaveAttribute('data-status', 'succeeded');
  // The newest deployment's steps folded: both builds in view.
  await panel.getByTestId('service-deployment').first().locator('summary', { hasText: 'Steps' }).click();
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ animations: 'disabled', path: `docs/screenshots/builds-panel-${scheme}.png` });
  }
  await builds.nth(1).getByTestId('build-log-open').click();
  await expect(page.getByTestId('build-log-full')).toContainText('3 pages, 2 stylesheets');
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ animations: 'disabled', path: `docs/screenshots/builds-log-${scheme}.png` });
  }
});
