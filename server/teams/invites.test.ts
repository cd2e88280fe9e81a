import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startTestServer, type TestServer } from '../test-utils';
import { INVITE_TTL_MS } from './invites';
import { mailTo, mailsTo, signUpAs, tokenIn, uniqueEmail, type Person } from './test-support';

let server: TestServer;
let offset = 0;
beforeAll(async () => {
  // A clock the tests can move, for expiry.
  server = await startTestServer({ clock: { now: () => Date.now() + offset } });
});
afterAll(() => server.close());

async function teamOf(owner: Person, name = 'Acme') {
  return (await owner.api('POST', '/api/teams', { name })).body.team.id as string;
}

/** The team's `security.token_refused` entries, as its owner reads them; none may carry the token. */
async function refusals(owner: Person, teamId: string, token: string) {
  const res = await owner.api('GET', `/api/audit?teamId=${teamId}&action=security.token_refused`);
  expect(res.status).toBe(200);
  expect(JSON.stringify(res.body)).not.toContain(token);
  expect(JSON.stringify(res.body)).not.toContain(token.slice(-20));
  return res.body.entries as { action: string; actorId: string | null; targetType: string; targetId: string; details: Record<string, unknown> }[];
}

async function invite(owner: Person, teamId: string, role = 'developer', email = uniqueEmail('invitee')) {
  const res = await owner.api('POST', `/api/teams/${teamId}/invites`, { email, role });
  expect(res.status).toBe(201);
  const token = tokenIn(await mailTo(server, email, /invited you/), '/invite/');
  return { email, id: res.body.invite.id as string, token, res };
}

describe('invitations', () => {
  it('mails a link; the invitee signs up with the address and joins with the role', async () => {
    const owner = await signUpAs(server, uniqueEmail('owner'), 'Olga Owner');
    const teamId = await teamOf(owner, 'Acme Web');
    const { email, token, res } = await invite(owner, teamId, 'viewer');
    expect(res.body).toMatchObject({ mailed: true, invite: { email, role: 'viewer', status: 'pending', invitedBy: { name: 'Olga Owner' } } });
    const mail = await mailTo(server, email);
    expect(mail.subject).toBe('Olga Owner invited you to Acme Web on Containr');
    expect(mail.text).toContain('join Acme Web as a viewer');
    expect(mail.text).toContain(`${server.url}/invite/${token}`);
    // The token is stored hashed, never in clear.
    const stored = server.containr.services.db.$client.prepare('select token_hash from invites where email = ?').get(email) as { token_hash: string };
    expect(stored.token_hash).not.toContain(token);
    expect(stored.token_hash).toMatch(/^[0-9a-f]{64}$/);

    expect((await owner.api('GET', `/api/teams/${teamId}/invites`)).body.invites).toEqual([expect.objectContaining({ email, status: 'pending' })]);

    // Logged out, the link cannot be accepted: sign up first.
    expect((await client(server.url)('POST', '/api/invites/accept', { token })).status).toBe(401);
    const invitee = await signUpAs(server, email, 'Ivy Invitee');
    const accepted = await invitee.api('POST', '/api/invites/accept', { token });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toEqual({ teamId, teamName: 'Acme Web', role: 'viewer' });
    const teams = (await invitee.api('GET', '/api/teams')).body.teams;
    expect(teams).toContainEqual(expect.objectContaining({ id: teamId, role: 'viewer' }));
    // Accepting proved the address.
    expect((await invitee.api('GET', '/api/account')).body.account.emailVerifiedAt).not.toBeNull();
    expect((await owner.api('GET', `/api/teams/${teamId}/invites`)).body.invites).toEqual([]);
  });

  it('lets an existing, logged-in account accept', async () => {
    const owner = await signUpAs(server);
    const teamId = await teamOf(owner);
    const existing = await signUpAs(server, uniqueEmail('existing'));
    const { token } = await invite(owner, teamId, 'admin', existing.email);
    expect((await existing.api('POST', '/api/invites/accept', { token })).body.role).toBe('admin');
  });

  it('refuses a reused link with 410, and records it as a security event', async () => {
    const owner = await signUpAs(server);
    const teamId = await teamOf(owner);
    const { email, id, token } = await invite(owner, teamId);
    const invitee = await signUpAs(server, email);
    expect((await invitee.api('POST', '/api/invites/accept', { token })).status).toBe(200);
    expect(await refusals(owner, teamId, token)).toEqual([]);
    const again = await invitee.api('POST', '/api/invites/accept', { token });
    expect(again.status).toBe(410);
    expect(again.body.error).toMatchObject({ code: 'GONE', message: 'this invitation was already used' });
    expect(await refusals(owner, teamId, token)).toEqual([
      expect.objectContaining({
        action: 'security.token_refused',
        actorId: invitee.id,
        targetType: 'invite',
        targetId: id,
        details: { operation: 'invite.accept', reason: 'accepted' },
      }),
    ]);
  });

  it('refuses a revoked link with 410; only admins and owners revoke', async () => {
    const owner = await signUpAs(server);
    const teamId = await teamOf(owner);
    const { email, id, token } = await invite(owner, teamId);
    const stranger = await signUpAs(server);
    expect((await stranger.api('DELETE', `/api/invites/${id}`)).status).toBe(404);
    expect((await owner.api('DELETE', `/api/invites/${id}`)).status).toBe(204);
    const invitee = await signUpAs(server, email);
    const res = await invitee.api('POST', '/api/invites/accept', { token });
    expect(res.status).toBe(410);
    expect(res.body.error.message).toBe('this invitation was revoked');
    expect((await refusals(owner, teamId, token)).map((e) => [e.targetId, e.details.reason])).toEqual([[id, 'revoked']]);
    expect((await owner.api('POST', `/api/invites/${id}/resend`)).status).toBe(409);
  });

  it('refuses an expired link with 410 after 7 days', async () => {
    const owner = await signUpAs(server);
    const teamId = await teamOf(owner);
    const { email, id, token } = await invite(owner, teamId);
    const invitee = await signUpAs(server, email);
    offset += INVITE_TTL_MS + 1_000;
    try {
      const res = await invitee.api('POST', '/api/invites/accept', { token });
      expect(res.status).toBe(410);
      expect(res.body.error.message).toMatch(/expired/);
      expect((await refusals(owner, teamId, token)).map((e) => [e.targetId, e.details.reason])).toEqual([[id, 'expired']]);
      expect((await owner.api('GET', `/api/teams/${teamId}/invites`)).body.invites).toEqual([expect.objectContaining({ status: 'expired' })]);
    } finally {
      offset = 0;
    }
  });

  it('resends with a fresh link: the old one stops working', async () => {
    const owner = await signUpAs(server);
    const teamId = await teamOf(owner);
    const { email, id, token: first } = await invite(owner, teamId);
    const resent = await owner.api('POST', `/api/invites/${id}/resend`);
    expect(resent.status).toBe(200);
    expect(resent.body.mailed).toBe(true);
    await expect.poll(() => mailsTo(server, email, /invited you/).length).toBe(2);
    const second = tokenIn(mailsTo(server, email, /invited you/)[0], '/invite/');
    expect(second).not.toBe(first);
    const invitee = await signUpAs(server, email);
    expect((await invitee.api('POST', '/api/invites/accept', { token: first })).status).toBe(404);
    expect((await invitee.api('POST', '/api/invites/accept', { token: second })).status).toBe(200);
  });

  it('refuses another account, unknown and malformed tokens, members and duplicates', async () => {
    const owner = await signUpAs(server);
    const teamId = await teamOf(owner);
    const { email, token } = await invite(owner, teamId);
    const other = await signUpAs(server);
    const wrong = await other.api('POST', '/api/invites/accept', { token });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.message).toContain(email);
    expect((await other.api('POST', '/api/invites/accept', { token: `inv_${'A'.repeat(43)}` })).status).toBe(404);
    expect((await other.api('POST', '/api/invites/accept', { token: '../../etc/passwd' })).status).toBe(422);
    expect((await other.api('POST', '/api/invites/accept', {})).status).toBe(422);

    const duplicate = await owner.api('POST', `/api/teams/${teamId}/invites`, { email, role: 'viewer' });
    expect(duplicate.status).toBe(409);
    expect((await owner.api('POST', `/api/teams/${teamId}/invites`, { email: owner.email, role: 'viewer' })).status).toBe(409);
  });

  it('lists invitations for every member, and audit-logs their life', async () => {
    const owner = await signUpAs(server);
    const teamId = await teamOf(owner);
    const { id, email } = await invite(owner, teamId);
    await owner.api('POST', `/api/invites/${id}/resend`);
    const invitee = await signUpAs(server, email);
    await expect.poll(() => mailsTo(server, email, /invited you/).length).toBe(2);
    await invitee.api('POST', '/api/invites/accept', { token: tokenIn(mailsTo(server, email, /invited you/)[0], '/invite/') });
    const actions = (await owner.api('GET', `/api/audit?teamId=${teamId}`)).body.entries.map((e: { action: string }) => e.action);
    expect(actions).toEqual(['member.join', 'invite.resend', 'invite.create', 'team.create']);
  });
});
