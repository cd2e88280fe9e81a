import type { Browser, Page } from '@playwright/test';
import { expect, logIn, newAccount, signUp, test, type Account } from './fixtures';

// The instance admin named in playwright.config.ts (CONTAINR_ADMIN_EMAILS): it reads the outbox.
const ADMIN: Account = { name: 'Instance Admin', email: 'admin@containr.test', password: 'correct horse battery' };

/** A page signed in as the instance admin, creating the account on first use. */
async function adminPage(browser: Browser): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto('/login');
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  const projects = page.getByRole('heading', { name: 'Projects', exact: true });
  await expect(projects.or(page.getByRole('alert'))).toBeVisible();
  if (!(await projects.isVisible())) await signUp(page, ADMIN);
  return page;
}

/** Opens the newest outbox mail to `to` whose subject matches, and returns the link to `path` in its text. */
async function linkFromOutbox(admin: Page, to: string, subject: RegExp, path: string): Promise<string> {
  await admin.goto('/outbox');
  await admin.getByTestId('mail-list').getByRole('link').filter({ hasText: to }).filter({ hasText: subject }).first().click();
  await expect(admin.getByTestId('mail-to')).toHaveText(to);
  const text = (await admin.getByTestId('mail-text').textContent()) ?? '';
  const match = new RegExp(`https?://\\S+(${path}[A-Za-z0-9_-]+)`).exec(text);
  if (!match) throw new Error(`no ${path} link in the mail:\n${text}`);
  return match[1];
}

async function createProject(page: Page, name: string) {
  await page.goto('/projects');
  await page.getByLabel('New project').fill(name);
  await page.getByRole('button', { name: 'Create project' }).click();
  await expect(page.getByTestId('project-name')).toHaveText(name);
}

async function invite(page: Page, email: string, role: string) {
  await page.goto('/projects');
  await page.getByTestId('team-switcher').click();
  await page.getByRole('link', { name: /^Members of/ }).click();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Role', { exact: true }).selectOption(role);
  await page.getByRole('button', { name: 'Send invite' }).click();
  await expect(page.getByRole('status')).toHaveText(`Invitation sent to ${email}.`);
  await expect(page.getByTestId('invite-list')).toContainText(email);
}

test('invite by email; the invitee signs up through the link from the outbox and sees the project as a developer', async ({ page, account, browser }) => {
  await createProject(page, 'storefront');
  const invitee = newAccount('Ivy Invitee');
  await invite(page, invitee.email, 'developer');

  const admin = await adminPage(browser);
  const link = await linkFromOutbox(admin, invitee.email, /invited you/, '/invite/');
  await expect(admin.getByTestId('mail')).toContainText(`${account.name} invited you`);

  // Another browser, nobody signed in: the link leads to sign-up with the address filled in.
  const other = await (await browser.newContext()).newPage();
  await other.goto(link);
  await expect(other.getByRole('heading', { name: `Join ${account.name}'s team` })).toBeVisible();
  await other.getByRole('link', { name: 'Create an account' }).click();
  await expect(other.getByLabel('Email')).toHaveValue(invitee.email);
  await other.getByLabel('Name').fill(invitee.name);
  await other.getByLabel('Password').fill(invitee.password);
  await other.getByRole('button', { name: 'Create account' }).click();
  await other.getByRole('button', { name: `Join ${account.name}'s team` }).click();

  await expect(other.getByTestId('project-list')).toContainText('storefront');
  await other.getByTestId('team-switcher').click();
  await expect(other.getByTestId('team-switcher').getByRole('button', { name: new RegExp(`${account.name}'s team`) })).toContainText('developer');
  await other.getByTestId('project-list').getByRole('heading', { name: 'storefront' }).click();
  await expect(other.getByTestId('project-name')).toHaveText('storefront');
  await other.getByRole('link', { name: 'Settings' }).click();
  await expect(other.getByRole('button', { name: 'Save' })).toBeVisible();
  await expect(other.getByRole('button', { name: 'Delete project' })).toHaveCount(0);

  // The inviter sees the new member, and the link cannot be used twice.
  await page.reload();
  await expect(page.getByTestId(`member-${invitee.email}`)).toContainText('Ivy Invitee');
  await expect(page.getByTestId('invite-list')).toHaveCount(0);
  await other.goto(link);
  await expect(other.getByRole('heading', { name: 'This invitation was already used' })).toBeVisible();

  // The audit log shows who did it.
  await page.goto('/audit');
  await page.getByLabel('Action').fill('member.join');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page.getByTestId('audit-table')).toContainText('Ivy Invitee');
});

test('a viewer sees the projects but no create, edit or delete controls', async ({ page, account, browser }) => {
  void account;
  await createProject(page, 'billing');
  const viewer = newAccount('Vic Viewer');
  const viewerPage = await (await browser.newContext()).newPage();
  await signUp(viewerPage, viewer);
  await invite(page, viewer.email, 'viewer');

  const admin = await adminPage(browser);
  const link = await linkFromOutbox(admin, viewer.email, /invited you/, '/invite/');
  // Already signed in with the invited address: one click joins.
  await viewerPage.goto(link);
  await viewerPage.getByRole('button', { name: /^Join / }).click();

  await expect(viewerPage.getByTestId('project-list')).toContainText('billing');
  await expect(viewerPage.getByLabel('New project')).toHaveCount(0);
  await expect(viewerPage.getByRole('button', { name: 'Create project' })).toHaveCount(0);
  await viewerPage.getByTestId('project-list').getByRole('heading', { name: 'billing' }).click();
  await viewerPage.getByRole('link', { name: 'Settings' }).click();
  await expect(viewerPage.getByLabel('Name')).toBeDisabled();
  await expect(viewerPage.getByRole('button', { name: 'Save' })).toHaveCount(0);
  await expect(viewerPage.getByRole('button', { name: 'Delete project' })).toHaveCount(0);
  await expect(viewerPage.getByLabel('New environment')).toHaveCount(0);

  // On the members page a viewer reads, and changes nothing.
  await viewerPage.getByTestId('team-switcher').click();
  await viewerPage.getByRole('link', { name: /^Members of/ }).click();
  await expect(viewerPage.getByTestId('member-list')).toContainText(viewer.name);
  await expect(viewerPage.getByRole('button', { name: 'Send invite' })).toHaveCount(0);
  await expect(viewerPage.getByRole('combobox')).toHaveCount(0);
  await expect(viewerPage.getByRole('button', { name: 'Remove' })).toHaveCount(0);
  await expect(viewerPage.getByRole('button', { name: 'Leave' })).toHaveCount(1);
});

test('password reset end to end through the outbox', async ({ page, browser }) => {
  const account = newAccount('Rita Reset');
  await signUp(page, account);
  await page.context().clearCookies();

  await page.goto('/login');
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  // The login page (with an Email field of its own) stays until the reset page has loaded.
  await expect(page.getByRole('heading', { name: 'Reset your password' })).toBeVisible();
  await page.getByLabel('Email').fill(account.email);
  await page.getByRole('button', { name: 'Send the link' }).click();
  await expect(page.getByTestId('reset-sent')).toContainText(account.email);

  const admin = await adminPage(browser);
  const link = await linkFromOutbox(admin, account.email, /Reset your/, '/reset/');

  await page.goto(link);
  await page.getByLabel('New password').fill('a whole new password');
  await page.getByLabel('Repeat it').fill('a whole new password');
  await page.getByRole('button', { name: 'Set the new password' }).click();
  await expect(page.getByRole('status')).toHaveText('Your password was changed. Log in with the new one.');

  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('alert')).toHaveText('wrong email or password');
  await logIn(page, { ...account, password: 'a whole new password' });

  await page.goto(link);
  await expect(page.getByRole('heading', { name: 'This password reset link was already used' })).toBeVisible();
});

test('screenshots of the members, audit log and outbox pages', async ({ page, account, browser }) => {
  void account;
  await page.goto('/teams/new');
  await page.getByLabel('Team name').fill('Platform');
  await page.getByRole('button', { name: 'Create team' }).click();
  await expect(page.getByTestId('team-name')).toHaveText('Platform');
  await createProject(page, 'storefront');
  await createProject(page, 'analytics');
  const invited = newAccount().email;
  await invite(page, invited, 'viewer');
  const dev = newAccount('Dana Developer');
  const devPage = await (await browser.newContext()).newPage();
  await signUp(devPage, dev);
  await invite(page, dev.email, 'developer');
  const admin = await adminPage(browser);
  await devPage.goto(await linkFromOutbox(admin, dev.email, /invited you/, '/invite/'));
  await devPage.getByRole('button', { name: /^Join / }).click();
  await page.reload();

  const members = page.url();
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await admin.emulateMedia({ colorScheme: scheme });
    await page.setViewportSize({ width: 1280, height: 900 });
    await admin.setViewportSize({ width: 1280, height: 900 });
    await page.goto(members);
    await page.screenshot({ path: `docs/screenshots/members-${scheme}.png`, fullPage: true });
    await page.goto('/audit');
    await page.screenshot({ path: `docs/screenshots/audit-${scheme}.png`, fullPage: true });
    await linkFromOutbox(admin, dev.email, /invited you/, '/invite/');
    await admin.screenshot({ path: `docs/screenshots/outbox-${scheme}.png`, fullPage: true });
    // The other pages, for review only (not kept in docs/).
    await page.goto('/settings/account');
    await page.screenshot({ path: test.info().outputPath(`account-${scheme}.png`), fullPage: true });
    const visitor = await (await browser.newContext({ colorScheme: scheme })).newPage();
    await visitor.goto(await linkFromOutbox(admin, invited, /invited you/, '/invite/'));
    await visitor.screenshot({ path: test.info().outputPath(`invite-${scheme}.png`), fullPage: true });
    await visitor.goto('/invite/inv_nope');
    await visitor.screenshot({ path: test.info().outputPath(`invite-unknown-${scheme}.png`), fullPage: true });
    await visitor.goto('/reset');
    await visitor.screenshot({ path: test.info().outputPath(`reset-${scheme}.png`), fullPage: true });
  }
});
