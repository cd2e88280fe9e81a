// Helpers for the teams, invites and account tests: accounts with chosen
// addresses, mail read from the outbox, and teams with one member per role.
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { Role } from '../../db/schema';
import { client, waitFor, type TestServer } from '../test-utils';

export const PASSWORD = 'a long password';

export type Person = { id: string; email: string; name: string; cookie: string; api: ReturnType<typeof client> };

export const uniqueEmail = (label = 'user') => `${label}-${randomUUID().slice(0, 8)}@example.test`;

export async function signUpAs(server: TestServer, email = uniqueEmail(), name = 'Test User'): Promise<Person> {
  const res = await client(server.url)('POST', '/api/auth/signup', { email, password: PASSWORD, name });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${JSON.stringify(res.body)}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
  return { ...res.body.user, cookie, api: client(server.url, { cookie }) };
}

/** The newest outbox mail to `to` (matching `subject` if given), waiting for it to arrive. */
export function mailTo(server: TestServer, to: string, subject?: RegExp) {
  return waitFor(
    () => server.containr.services.mailer.list({ limit: 500 }).find((m) => m.to === to && (!subject || subject.test(m.subject))),
    5_000,
    `a mail to ${to}`,
  );
}

/** Outbox mails to `to`, newest first. */
export function mailsTo(server: TestServer, to: string, subject?: RegExp) {
  return server.containr.services.mailer.list({ limit: 500 }).filter((m) => m.to === to && (!subject || subject.test(m.subject)));
}

/** The token of the first link to `path` (`/invite/`, `/reset/`, `/verify/`) in a mail's text. */
export function tokenIn(mail: { text: string; html: string }, path: string): string {
  const match = new RegExp(`https?://[^\\s"]+${path}([A-Za-z0-9_-]+)`).exec(mail.text);
  if (!match) throw new Error(`no ${path} link in:\n${mail.text}`);
  // The HTML part carries the same link.
  expect(mail.html).toContain(`${path}${match[1]}`);
  return match[1];
}

/** Invites a new account into `teamId` with `role` and accepts, through the API and the mail. */
export async function join(server: TestServer, inviter: Person, teamId: string, role: Role, name = `A ${role}`): Promise<Person> {
  const email = uniqueEmail(role);
  const invited = await inviter.api('POST', `/api/teams/${teamId}/invites`, { email, role });
  if (invited.status !== 201) throw new Error(`invite failed: ${invited.status} ${JSON.stringify(invited.body)}`);
  const token = tokenIn(await mailTo(server, email, /invited you/), '/invite/');
  const person = await signUpAs(server, email, name);
  const accepted = await person.api('POST', '/api/invites/accept', { token });
  if (accepted.status !== 200) throw new Error(`accept failed: ${accepted.status} ${JSON.stringify(accepted.body)}`);
  return person;
}

/** A fresh team with an owner, an admin, a developer and a viewer. */
export async function teamOfFour(server: TestServer) {
  const owner = await signUpAs(server, uniqueEmail('owner'), 'Olga Owner');
  const created = await owner.api('POST', '/api/teams', { name: `Team ${randomUUID().slice(0, 6)}` });
  if (created.status !== 201) throw new Error(`team creation failed: ${created.status}`);
  const teamId = created.body.team.id as string;
  const admin = await join(server, owner, teamId, 'admin', 'Ada Admin');
  const developer = await join(server, owner, teamId, 'developer', 'Dev Developer');
  const viewer = await join(server, owner, teamId, 'viewer', 'Vic Viewer');
  return { teamId, owner, admin, developer, viewer, byRole: { owner, admin, developer, viewer } as Record<Role, Person> };
}
