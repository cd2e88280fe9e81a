import { test as base, expect, type Page } from '@playwright/test';
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';

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

/** The SQLite file the webServer of playwright.config.ts uses (same defaults as there). */
export function e2eDbFile(): string {
  const dataDir = process.env.E2E_DATA_DIR ?? `.containr/e2e-${process.env.E2E_PORT ?? 3199}`;
  return resolve(dataDir, 'containr.db');
}

type Me = { user: { id: string; name: string }; teams: Array<{ id: string; personal: boolean; role: string }> };

async function me(page: Page): Promise<Me> {
  const response = await page.request.get('/api/me');
  expect(response.ok()).toBe(true);
  return (await response.json()) as Me;
}

/**
 * Makes the user logged in on `memberPage` a member of the personal team of the user logged
 * in on `ownerPage`, by writing the membership row directly. This is set-up, not the thing
 * under test: the invitation flow (invite, the mail in the outbox, accepting in another
 * browser) is driven end to end in teams.spec.ts, and reading a mailed token here would
 * need the instance admin's outbox. A direct row also leaves the member's address
 * unconfirmed, as a fresh sign-up's is (accepting an invitation would confirm it).
 */
export async function addToTeam(ownerPage: Page, memberPage: Page, role: 'admin' | 'developer' | 'viewer'): Promise<void> {
  const [owner, member] = await Promise.all([me(ownerPage), me(memberPage)]);
  const team = owner.teams.find((t) => t.personal) ?? owner.teams[0];
  const db = new Database(e2eDbFile());
  try {
    db.pragma('busy_timeout = 5000');
    db.prepare('insert into team_members (team_id, user_id, role, created_at) values (?, ?, ?, ?)').run(
      team.id,
      member.user.id,
      role,
      Date.now(),
    );
  } finally {
    db.close();
  }
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
