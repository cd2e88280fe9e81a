import { expect, logIn, newAccount, signUp, test } from './fixtures';

test('sign up, create a project, open it, sign out and log in again', async ({ page }) => {
  const account = newAccount('Ana Lima');
  await signUp(page, account);
  await expect(page.getByText('No projects yet')).toBeVisible();

  await page.getByLabel('New project').fill('storefront');
  await page.getByRole('button', { name: 'Create project' }).click();
  await expect(page.getByTestId('project-name')).toHaveText('storefront');
  await expect(page.getByTestId('environment-switcher')).toContainText('production');
  await expect(page.getByTestId('canvas')).toBeVisible();

  await page.getByRole('link', { name: 'Containr home' }).click();
  await expect(page.getByTestId('project-list')).toContainText('storefront');
  await page.getByTestId('project-list').getByRole('heading', { name: 'storefront' }).click();
  await expect(page.getByTestId('project-name')).toHaveText('storefront');

  await page.getByLabel('Account menu').click();
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page.getByRole('heading', { name: 'Log in to Containr' })).toBeVisible();
  // The session is gone: a protected page sends us back to the login form.
  await page.goto('/projects');
  await expect(page).toHaveURL(/\/login\?next=%2Fprojects$/);

  await logIn(page, account);
  await expect(page.getByTestId('project-list')).toContainText('storefront');
});

test('a wrong password is refused with a clear message', async ({ page }) => {
  const account = newAccount();
  await signUp(page, account);
  await page.context().clearCookies();
  await page.goto('/login');
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('alert')).toHaveText('wrong email or password');
});

test('environments are created and switched from the project page', async ({ page, account }) => {
  void account;
  await page.getByLabel('New project').fill('billing');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByLabel('New environment').fill('staging');
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(page.getByTestId('environment-switcher')).toContainText('staging');
  await page.getByTestId('environment-switcher').click();
  await page.getByRole('link', { name: 'production' }).click();
  await expect(page.getByTestId('environment-switcher')).toContainText('production');
});
