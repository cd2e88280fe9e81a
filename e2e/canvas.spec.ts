/**
 * The live canvas with two people in one team, each in their own browser context: edits,
 * presence, read-only viewers and per-user undo. Cross-browser checks allow one second.
 */
import type { Browser, BrowserContext, Locator, Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { addToTeam, expect, newAccount, signUp, test } from './fixtures';

const PEER = { timeout: 1000 };

interface Pair {
  ana: Page;
  ben: Page;
  close(): Promise<void>;
}

/** Ana owns a project; Ben joins her team with `role`; both have its canvas open and live. */
async function openTogether(browser: Browser, role: 'developer' | 'viewer', colorScheme: 'light' | 'dark' = 'light'): Promise<Pair> {
  const contexts: BrowserContext[] = [];
  const open = async () => {
    const context = await browser.newContext({ colorScheme, viewport: { width: 1360, height: 820 } });
    contexts.push(context);
    return context.newPage();
  };
  const [ana, ben] = await Promise.all([open(), open()]);
  await signUp(ana, newAccount('Ana Lima'));
  await signUp(ben, newAccount('Ben Okafor'));
  await addToTeam(ana, ben, role);

  await ana.getByLabel('New project').fill(`shop-${Date.now().toString(36)}`);
  await ana.getByRole('button', { name: 'Create project' }).click();
  await expect(ana.getByTestId('connection')).toHaveAttribute('data-state', 'live');
  await ben.goto(ana.url());
  await expect(ben.getByTestId('connection')).toHaveAttribute('data-state', 'live');
  return { ana, ben, close: async () => void (await Promise.all(contexts.map((c) => c.close()))) };
}

const node = (page: Page, name: string): Locator => page.locator(`[data-testid="canvas-node"][data-name="${name}"]`);
const flowNode = (page: Page, name: string): Locator => page.locator('.react-flow__node', { has: node(page, name) });
const links = (page: Page): Locator => page.locator('.react-flow__edge.edge-link');

/** Where React Flow draws the node, in flow coordinates (its wrapper's translate). */
const placement = (page: Page, name: string) => flowNode(page, name).evaluate((el) => (el as HTMLElement).style.transform);

async function addService(page: Page, name: string, image?: string) {
  await page.getByTestId('add-service').click();
  const form = page.getByRole('form', { name: 'New service' });
  await form.getByLabel('Name').fill(name);
  if (image) await form.getByLabel('Image').fill(image);
  await form.getByRole('button', { name: 'Add service' }).click();
  await expect(node(page, name)).toBeVisible();
}

/** Clicks empty canvas: clears the selection, closes the panel and takes focus off any field. */
async function clickEmpty(page: Page) {
  const pane = await page.locator('.react-flow__pane').boundingBox();
  if (!pane) throw new Error('no canvas pane');
  await page.mouse.click(pane.x + 30, pane.y + pane.height - 120);
}

async function drag(page: Page, from: Locator, to: { dx: number; dy: number } | Locator) {
  const a = await from.boundingBox();
  if (!a) throw new Error('nothing to drag');
  const start = { x: a.x + a.width / 2, y: a.y + a.height / 2 };
  let end: { x: number; y: number };
  if ('dx' in to) end = { x: start.x + to.dx, y: start.y + to.dy };
  else {
    const b = await to.boundingBox();
    if (!b) throw new Error('nowhere to drop');
    end = { x: b.x + b.width / 2, y: b.y + b.height / 2 };
  }
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  await page.mouse.move(end.x, end.y, { steps: 12 });
  await page.mouse.up();
}

test('edits in one browser show in the other within a second', async ({ browser }) => {
  const { ana, ben, close } = await openTogether(browser, 'developer');

  await test.step('add', async () => {
    await addService(ana, 'web');
    await expect(node(ben, 'web')).toBeVisible(PEER);
    await expect(node(ben, 'web')).toContainText('containr/busybox', PEER);
  });

  await test.step('move', async () => {
    const before = await placement(ana, 'web');
    await drag(ana, node(ana, 'web').locator('.cnode-foot'), { dx: 180, dy: 90 });
    const after = await placement(ana, 'web');
    expect(after).not.toBe(before);
    await expect.poll(() => placement(ben, 'web'), PEER).toBe(after);
  });

  await test.step('rename', async () => {
    await node(ana, 'web').locator('.cnode-name').dblclick();
    await ana.getByRole('textbox', { name: 'Service name' }).fill('api');
    await ana.keyboard.press('Enter');
    await expect(node(ben, 'api')).toBeVisible(PEER);
    await expect(node(ben, 'web')).toHaveCount(0);
  });

  await test.step('connect', async () => {
    await addService(ana, 'worker');
    await expect(node(ben, 'worker')).toBeVisible(PEER);
    await clickEmpty(ana);
    await node(ana, 'api').hover();
    await drag(ana, flowNode(ana, 'api').locator('.react-flow__handle.source'), flowNode(ana, 'worker').locator('.react-flow__handle.target'));
    await expect(links(ana)).toHaveCount(1);
    await expect(links(ben)).toHaveCount(1, PEER);
  });

  await test.step('delete, after confirming', async () => {
    await node(ana, 'worker').click();
    await ana.keyboard.press('Delete');
    const dialog = ana.getByRole('alertdialog');
    await expect(dialog).toContainText('Delete worker?');
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await expect(node(ana, 'worker')).toHaveCount(0);
    await expect(node(ben, 'worker')).toHaveCount(0, PEER);
    await expect(links(ben)).toHaveCount(0, PEER);
  });

  await close();
});

test("each sees the other's cursor, selection and open panel", async ({ browser }) => {
  const { ana, ben, close } = await openTogether(browser, 'developer');
  await addService(ana, 'api');
  await expect(node(ben, 'api')).toBeVisible(PEER);
  await clickEmpty(ana);

  await expect(ben.getByTestId('presence').getByRole('button', { name: 'Follow Ana Lima' })).toBeVisible(PEER);
  await expect(ana.getByTestId('presence').getByRole('button', { name: 'Follow Ben Okafor' })).toBeVisible(PEER);

  const pane = await ana.locator('.react-flow__pane').boundingBox();
  if (!pane) throw new Error('no canvas pane');
  await ana.mouse.move(pane.x + 200, pane.y + 200);
  await ana.mouse.move(pane.x + 260, pane.y + 240, { steps: 4 });
  await expect(ben.locator('[data-testid="peer-cursor"][data-name="Ana Lima"]')).toBeVisible(PEER);

  // Selecting opens the settings panel, so Ben sees both the halo and who is editing.
  await node(ana, 'api').click();
  await expect(node(ben, 'api')).toHaveAttribute('data-peer-selected', 'Ana Lima', PEER);
  await expect(node(ben, 'api').getByTestId('peer-tag')).toHaveText('Ana is editing', PEER);
  await clickEmpty(ana);
  await expect(node(ben, 'api').getByTestId('peer-tag')).toHaveCount(0, PEER);

  // Following: Ben's view tracks Ana's pans until Ben moves his own view.
  const viewport = (page: Page) => page.locator('.react-flow__viewport').evaluate((el) => (el as HTMLElement).style.transform);
  await ben.getByTestId('presence').getByRole('button', { name: 'Follow Ana Lima' }).click();
  await expect(ben.getByTestId('following')).toHaveText(/Following Ana Lima/);
  const followed = await viewport(ben);
  await ana.mouse.move(pane.x + 300, pane.y + 300);
  await ana.mouse.wheel(240, 160);
  await expect.poll(() => viewport(ben), PEER).not.toBe(followed);
  await ben.mouse.move(pane.x + 300, pane.y + 300);
  await ben.mouse.wheel(-100, 0);
  await expect(ben.getByTestId('following')).toHaveCount(0);

  await close();
});

test('a viewer can look but not change anything', async ({ browser }) => {
  const { ana, ben, close } = await openTogether(browser, 'viewer');
  await addService(ana, 'api');
  await addService(ana, 'db');
  await expect(node(ben, 'db')).toBeVisible(PEER);

  await expect(ben.getByTestId('view-only')).toBeVisible();
  await expect(ben.getByRole('toolbar', { name: 'Canvas tools' })).toHaveCount(0);
  await expect(ben.getByTestId('add-service')).toHaveCount(0);

  const before = await placement(ben, 'api');
  await drag(ben, node(ben, 'api').locator('.cnode-foot'), { dx: 200, dy: 120 });
  expect(await placement(ben, 'api')).toBe(before);

  await node(ben, 'api').locator('.cnode-name').dblclick();
  await expect(ben.getByRole('textbox', { name: 'Service name' })).toHaveCount(0);

  await node(ben, 'api').click();
  await ben.keyboard.press('Delete');
  await ben.keyboard.press('Control+z');
  await expect(ben.getByRole('alertdialog')).toHaveCount(0);
  await expect(flowNode(ben, 'api').locator('.react-flow__handle.source')).toBeHidden();
  // The settings panel opens too, read-only.
  await expect(ben.getByTestId('service-panel').getByRole('textbox').first()).toBeDisabled();

  // Nothing Ben tried reached the document: Ana's next edit arrives on a canvas that still has both.
  await addService(ana, 'cache');
  await expect(node(ben, 'cache')).toBeVisible(PEER);
  await expect(node(ben, 'api')).toHaveCount(1);
  expect(await placement(ana, 'api')).toBe(before);

  await close();
});

test("undo undoes only this user's change", async ({ browser }) => {
  const { ana, ben, close } = await openTogether(browser, 'developer');
  await addService(ana, 'alpha');
  await expect(node(ben, 'alpha')).toBeVisible(PEER);
  await addService(ben, 'beta');
  await expect(node(ana, 'beta')).toBeVisible(PEER);

  await clickEmpty(ana);
  await ana.keyboard.press('ControlOrMeta+z');
  await expect(node(ana, 'alpha')).toHaveCount(0);
  await expect(node(ben, 'alpha')).toHaveCount(0, PEER);
  await expect(node(ana, 'beta')).toBeVisible();
  await expect(node(ben, 'beta')).toBeVisible();

  await ana.getByRole('button', { name: 'Redo' }).click();
  await expect(node(ben, 'alpha')).toBeVisible(PEER);
  await ben.getByRole('button', { name: 'Undo' }).click();
  await expect(node(ana, 'beta')).toHaveCount(0, PEER);
  await expect(node(ana, 'alpha')).toBeVisible();

  await close();
});

test('invalid content shows as invalid instead of breaking the canvas', async ({ browser }) => {
  const { ana, ben, close } = await openTogether(browser, 'developer');
  await addService(ana, 'api');
  await addService(ana, 'api-2');
  await node(ana, 'api-2').locator('.cnode-name').dblclick();
  await ana.getByRole('textbox', { name: 'Service name' }).fill('api');
  await ana.keyboard.press('Enter');
  await expect(ben.getByTestId('node-issue')).toHaveCount(2, PEER);
  await expect(ben.getByTestId('node-issue').first()).toContainText('also named "api"');
  await close();
});

// Documentation screenshots: SCREENSHOTS=1 npx playwright test e2e/canvas.spec.ts -g screenshots
test('screenshots of the canvas with two people', async ({ browser }) => {
  test.setTimeout(180_000);
  mkdirSync('docs/screenshots', { recursive: true });
  for (const scheme of ['light', 'dark'] as const) {
    const { ana, ben, close } = await openTogether(browser, 'developer', scheme);
    await addService(ana, 'web', 'containr/storefront:2.3');
    await addService(ana, 'api', 'containr/api:1.8');
    for (const preset of ['PostgreSQL', 'Redis']) {
      await ana.getByTestId('add-database').click();
      await ana.getByRole('menuitem', { name: new RegExp(preset) }).click();
    }
    await ana.getByTestId('add-volume').click();
    await clickEmpty(ana);
    await drag(ana, flowNode(ana, 'web').locator('.react-flow__handle.source'), flowNode(ana, 'api').locator('.react-flow__handle.target'));
    await drag(ana, flowNode(ana, 'api').locator('.react-flow__handle.source'), flowNode(ana, 'postgres').locator('.react-flow__handle.target'));
    await drag(ana, flowNode(ana, 'api').locator('.react-flow__handle.source'), flowNode(ana, 'redis').locator('.react-flow__handle.target'));
    await addService(ana, 'worker_1');
    await clickEmpty(ana);
    await expect(links(ben)).toHaveCount(3, PEER);

    // Ben selects the API and points at Postgres; Ana sees his halo and cursor.
    await node(ben, 'api').click();
    const target = await node(ben, 'postgres').boundingBox();
    if (target) await ben.mouse.move(target.x + target.width * 0.7, target.y + target.height + 30, { steps: 5 });
    await expect(ana.locator('[data-testid="peer-cursor"][data-name="Ben Okafor"]')).toBeVisible(PEER);
    await expect(node(ana, 'api').getByTestId('peer-tag')).toBeVisible(PEER);
    await ana.mouse.move(10, 400);
    await ana.screenshot({ path: `docs/screenshots/canvas-${scheme}.png` });

    await node(ana, 'web').click();
    await ana.screenshot({ path: `docs/screenshots/canvas-panel-${scheme}.png` });
    await close();
  }
});
