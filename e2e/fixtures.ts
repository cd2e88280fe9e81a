import { test as base, expect, type Page } from '@playwright/test';
import { randomUUID } from 'node:crypto';

export type Account = { name: string; email: string; password: string };

export function newAccount(name = 'Ana Lima'): Account {
  return { name, email: `user-${randomUUID().slice(0, 8)}@example.test`, password: 'correct horse battery' };
}

export async function signUp(page: Page, account: Account) {
  await page.goto('/signup');
  await page.getByLabel('Name').fill(account.name);
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('heading', { name: 'Projects', exact: true })).toBeVisible();
}

export async function logIn(page: Page, account: Account) {
  await page.goto('/login');
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('heading', { name: 'Projects', exact: true })).toBeVisible();
}

/** A signed-up account, logged in on `page`. */
export const test = base.extend<{ account: Account }>({
  account: async ({ page }, use) => {
    const account = newAccount();
    await signUp(page, account);
    await use(account);
  },
});

export { expect };
