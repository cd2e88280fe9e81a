// Project-level access and team quotas in the UI: an admin restricts a project
// to one member and another member stops seeing it; the members page shows
// quota usage, and the instance admin edits the limits there.
import type { Browser, Page } from '@playwright/test';
import { addToTeam, expect, newAccount, signUp, test, type Account } from './fixtures';

// The instance admin named in playwright.config.ts (CONTAINR_ADMIN_EMAILS).
const ADMIN: Account = { name: 'Instance Admin', email: 'admin@containr.test', password: 'correct horse battery' };

async function member(browser: Browser, name: string): Promise<{ page: Page; account: Account }> {
  const page = await (await browser.newContext()).newPage();
  const account = newAccount(name);
  await signUp(page, account);
  return { page, account };
}

/** A page signed in as the instance admin, creating the account on first use. */
async function adminPage(browser: Browser): Promise<Page> {
  const admin = await (await browser.newContext()).newPage();
  await admin.goto('/login');
  await admin.getByLabel('Email').fill(ADMIN.email);
  await admin.getByLabel('Password').fill(ADMIN.password);
  await admin.getByRole('button', { name: 'Log in' }).click();
  const projects = admin.getByRole('heading', { name: 'Projects', exact: true });
  await expect(projects.or(admin.getByRole('alert'))).toBeVisible();
  if (!(await projects.isVisible())) await signUp(admin, ADMIN);
  return admin;
}

async function openMembers(page: Page) {
  await page.getByTestId('team-switcher').click();
  await page.getByRole('link', { name: /^Members of/ }).click();
  await expect(page.getByTestId('quotas')).toBeVisible();
}

async function createProject(page: Page, name: string): Promise<string> {
  await page.goto('/projects');
  await page.getByLabel('New project').fill(name);
  await page.getByRole('button', { name: 'Create project' }).click();
  await expect(page.getByTestId('project-name')).toHaveText(name);
  return /\/projects\/([^/]+)/.exec(page.url())![1];
}

test('an admin restricts a project to one member; another member no longer sees it', async ({ page, account, browser }) => {
  void account; // signed up and logged in on `page`
  const payroll = await createProject(page, 'payroll');
  await createProject(page, 'handbook');
  const dana = await member(browser, 'Dana Developer');
  const val = await member(browser, 'Val Viewer');
  await addToTeam(page, dana.page, 'developer');
  await addToTeam(page, val.page, 'viewer');

  // Both see both projects while the project is open to the whole team.
  await val.page.goto('/projects');
  await expect(val.page.getByTestId('project-list')).toContainText('payroll');

  await page.goto(`/projects/${payroll}/settings`);
  const access = page.getByTestId('project-access');
  await expect(access).toContainText('Whole team');
  await access.getByLabel(/Only the members chosen below/).check();
  await access.getByLabel('Give Dana Developer access').check();
  await expect(access.getByLabel('Give Val Viewer access')).not.toBeChecked();
  await access.getByRole('button', { name: 'Save access' }).click();
  await expect(page.getByRole('status')).toHaveText('Access restricted to the chosen members.');
  await expect(access).toContainText('Restricted');
  await expect(access.getByLabel('Give Dana Developer access')).toBeChecked();

  // Val: the project is gone from the list, and its URL is "not found".
  await val.page.goto('/projects');
  await expect(val.page.getByTestId('project-list')).toContainText('handbook');
  await expect(val.page.getByTestId('project-list')).not.toContainText('payroll');
  const hidden = await val.page.goto(`/projects/${payroll}`);
  expect(hidden?.status()).toBe(404);

  // Dana still opens it, and sees (read-only) who has access.
  await dana.page.goto('/projects');
  await dana.page.getByTestId('project-list').getByRole('heading', { name: 'payroll' }).click();
  await dana.page.getByRole('link', { name: 'Settings' }).click();
  const seen = dana.page.getByTestId('project-access');
  await expect(seen).toContainText('Only these members');
  await expect(seen.getByTestId('access-members')).toContainText('Dana Developer');
  await expect(seen.getByRole('button', { name: 'Save access' })).toHaveCount(0);

  // Opening it again to the whole team brings it back for Val.
  await access.getByLabel(/Everyone in/).check();
  await access.getByRole('button', { name: 'Save access' }).click();
  await expect(page.getByRole('status')).toHaveText('The whole team has access again.');
  await val.page.goto('/projects');
  await expect(val.page.getByTestId('project-list')).toContainText('payroll');
});

test('the members page shows quota usage; only the instance admin edits the limits', async ({ page, account, browser }) => {
  void account; // signed up and logged in on `page`
  await createProject(page, 'metered');
  await openMembers(page);
  const quotas = page.getByTestId('quotas');
  await expect(quotas.getByTestId('quota-maxProjects')).toContainText('1 / 50');
  await expect(quotas.getByTestId('quota-maxServices')).toContainText('0 / 200');
  await expect(quotas.getByRole('button', { name: 'Save quotas' })).toHaveCount(0);

  const admin = await adminPage(browser);
  await createProject(admin, `admin-project-${Date.now()}`);
  await openMembers(admin);
  const own = admin.getByTestId('quotas');
  await own.getByLabel('Max projects').fill('3');
  await own.getByLabel('Max CPU').fill('zero');
  await own.getByRole('button', { name: 'Save quotas' }).click();
  await expect(own).toContainText('enter a number');
  await own.getByLabel('Max CPU').fill('2.5');
  await own.getByRole('button', { name: 'Save quotas' }).click();
  await expect(admin.getByRole('status')).toHaveText('Quotas saved.');
  await expect(own.getByTestId('quota-maxProjects')).toContainText('/ 3');
  await expect(own.getByTestId('quota-maxCpu')).toContainText('0 CPU / 2.5 CPU');

  // Empty fields go back to the instance defaults.
  await own.getByLabel('Max projects').fill('');
  await own.getByLabel('Max CPU').fill('');
  await own.getByRole('button', { name: 'Save quotas' }).click();
  await expect(own.getByTestId('quota-maxProjects')).toContainText('/ 50');
  await expect(own.getByTestId('quota-maxCpu')).toContainText('/ 32 CPU');
});

test('screenshots of project access and quotas', async ({ page, account, browser }) => {
  void account; // signed up and logged in on `page`
  const payroll = await createProject(page, 'payroll');
  const dana = await member(browser, 'Dana Developer');
  const val = await member(browser, 'Val Viewer');
  await addToTeam(page, dana.page, 'developer');
  await addToTeam(page, val.page, 'viewer');
  await page.goto(`/projects/${payroll}/settings`);
  const access = page.getByTestId('project-access');
  await access.getByLabel(/Only the members chosen below/).check();
  await access.getByLabel('Give Dana Developer access').check();
  await access.getByRole('button', { name: 'Save access' }).click();
  await expect(page.getByRole('status')).toBeVisible();
  const admin = await adminPage(browser);
  await openMembers(admin);
  const adminMembers = admin.url();
  await openMembers(page);
  const members = page.url();
  for (const scheme of ['light', 'dark'] as const) {
    for (const p of [page, dana.page, admin]) {
      await p.emulateMedia({ colorScheme: scheme });
      await p.setViewportSize({ width: 1280, height: 900 });
    }
    await page.goto(`/projects/${payroll}/settings`);
    await page.screenshot({ path: test.info().outputPath(`access-admin-${scheme}.png`), fullPage: true });
    await dana.page.goto(`/projects/${payroll}/settings`);
    await dana.page.screenshot({ path: test.info().outputPath(`access-member-${scheme}.png`), fullPage: true });
    await page.goto(members);
    await page.screenshot({ path: test.info().outputPath(`quotas-${scheme}.png`), fullPage: true });
    await admin.goto(adminMembers);
    await admin.screenshot({ path: test.info().outputPath(`quotas-instance-admin-${scheme}.png`), fullPage: true });
  }
});
