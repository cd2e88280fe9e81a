import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../db/schema';
import { mailTo, mailsTo, PASSWORD, signUpAs, tokenIn, uniqueEmail } from '../teams/test-support';
import { client, startTestServer, type TestServer } from '../test-utils';
import { RESET_TTL_MS } from './account';

let server: TestServer;
let offset = 0;
beforeAll(async () => {
  server = await startTestServer({ clock: { now: () => Date.now() + offset } });
});
afterAll(() => server.close());

const anon = () => client(server.url);
const login = (email: string, password: string) => anon()('POST', '/api/auth/login', { email, password });

describe('email verification', () => {
  it('mails a link at sign-up that confirms the address once', async () => {
    const person = await signUpAs(server, uniqueEmail('verify'), 'Vera');
    expect((await person.api('GET', '/api/account')).body.account.emailVerifiedAt).toBeNull();
    const mail = await mailTo(server, person.email, /Confirm your email/);
    expect(mail.text).toContain('Hi Vera');
    const token = tokenIn(mail, '/verify/');

    const verified = await anon()('POST', '/api/auth/verify', { token });
    expect(verified.status).toBe(200);
    expect(verified.body).toEqual({ purpose: 'verify-email', email: person.email });
    expect((await person.api('GET', '/api/account')).body.account.emailVerifiedAt).not.toBeNull();
    expect((await anon()('POST', '/api/auth/verify', { token })).status).toBe(410);
    expect((await person.api('POST', '/api/auth/verify/resend')).status).toBe(409);
  });

  it('resends on request, and refuses unknown tokens', async () => {
    const person = await signUpAs(server);
    expect((await person.api('POST', '/api/auth/verify/resend')).status).toBe(204);
    await expect.poll(() => mailsTo(server, person.email, /Confirm your email/).length).toBe(2);
    expect((await anon()('POST', '/api/auth/verify', { token: `ver_${'x'.repeat(43)}` })).status).toBe(404);
    expect((await anon()('POST', '/api/auth/verify/resend')).status).toBe(401);
  });
});

describe('sign-up with an address that has an account', () => {
  it('answers "check your email" without a session, creates nothing and tells the owner', async () => {
    const owner = await signUpAs(server, uniqueEmail('taken'), 'Tess');
    const res = await anon()('POST', '/api/auth/signup', { email: owner.email, password: 'someone else', name: 'Mallory' });
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('check-email');
    expect(res.headers.get('set-cookie')).toBeNull();
    const mail = await mailTo(server, owner.email, /tried to sign up/);
    expect(mail.text).toContain('No new account was created');
    // The owner's password still works; the attempt's does not.
    expect((await login(owner.email, PASSWORD)).status).toBe(200);
    expect((await login(owner.email, 'someone else')).status).toBe(401);
  });
});

describe('password reset', () => {
  it('answers the same for known, unknown and malformed addresses; mails only the known one', async () => {
    const person = await signUpAs(server);
    const unknown = uniqueEmail('nobody');
    const answers = await Promise.all(
      [person.email, unknown, 'not-an-address'].map((email) => anon()('POST', '/api/auth/reset', { email })),
    );
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    expect(answers.every((a) => a.headers.get('set-cookie') === null)).toBe(true);
    await mailTo(server, person.email, /Reset your/);
    expect(mailsTo(server, unknown)).toEqual([]);
  });

  it('sets the new password with a single-use link and ends every session', async () => {
    const person = await signUpAs(server);
    const secondSession = (await login(person.email, PASSWORD)).headers.get('set-cookie')!.split(';')[0];
    await anon()('POST', '/api/auth/reset', { email: person.email.toUpperCase() });
    const token = tokenIn(await mailTo(server, person.email, /Reset your/), '/reset/');

    // A weak password is refused and leaves the link usable.
    expect((await anon()('POST', '/api/auth/reset/confirm', { token, password: 'short' })).status).toBe(422);
    const done = await anon()('POST', '/api/auth/reset/confirm', { token, password: 'a brand new password' });
    expect(done.status).toBe(200);

    expect((await person.api('GET', '/api/me')).status).toBe(401);
    expect((await client(server.url, { cookie: secondSession })('GET', '/api/me')).status).toBe(401);
    expect((await login(person.email, PASSWORD)).status).toBe(401);
    expect((await login(person.email, 'a brand new password')).status).toBe(200);

    const reused = await anon()('POST', '/api/auth/reset/confirm', { token, password: 'yet another password' });
    expect(reused.status).toBe(410);
    expect(reused.body.error).toMatchObject({ code: 'GONE', message: 'this link was already used' });
    await mailTo(server, person.email, /password was changed/);
    const activity = (await client(server.url, { cookie: (await login(person.email, 'a brand new password')).headers.get('set-cookie')!.split(';')[0] })(
      'GET',
      '/api/account',
    )).body.activity.map((e: { action: string }) => e.action);
    expect(activity).toEqual(expect.arrayContaining(['auth.password_reset', 'auth.reset_request', 'auth.login_failed']));
  });

  it('lets only one of two simultaneous uses of a link through', async () => {
    const person = await signUpAs(server);
    await anon()('POST', '/api/auth/reset', { email: person.email });
    const token = tokenIn(await mailTo(server, person.email, /Reset your/), '/reset/');
    const [a, b] = await Promise.all([
      anon()('POST', '/api/auth/reset/confirm', { token, password: 'first new password' }),
      anon()('POST', '/api/auth/reset/confirm', { token, password: 'second new password' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 410]);
    const winner = a.status === 200 ? 'first new password' : 'second new password';
    expect((await login(person.email, winner)).status).toBe(200);
  });

  it('refuses a link after 1 hour, and other kinds of links', async () => {
    const person = await signUpAs(server);
    const verifyToken = tokenIn(await mailTo(server, person.email, /Confirm your email/), '/verify/');
    expect((await anon()('POST', '/api/auth/reset/confirm', { token: verifyToken, password: 'a brand new password' })).status).toBe(404);

    await anon()('POST', '/api/auth/reset', { email: person.email });
    const token = tokenIn(await mailTo(server, person.email, /Reset your/), '/reset/');
    offset += RESET_TTL_MS + 1_000;
    try {
      const res = await anon()('POST', '/api/auth/reset/confirm', { token, password: 'a brand new password' });
      expect(res.status).toBe(410);
      expect(res.body.error.message).toMatch(/expired/);
    } finally {
      offset = 0;
    }
    expect((await login(person.email, PASSWORD)).status).toBe(200);
  });

  it('rejects malformed bodies', async () => {
    expect((await anon()('POST', '/api/auth/reset', {})).status).toBe(422);
    expect((await anon()('POST', '/api/auth/reset/confirm', { token: 'x', password: 'a brand new password' })).status).toBe(422);
    expect((await anon()('POST', '/api/auth/reset', '{"email":', { 'content-type': 'application/json' })).status).toBe(400);
  });
});

describe('refused links are security events', () => {
  /** The account's `security.token_refused` entries (read from the database: they belong to no team). */
  const refusals = (userId: string) =>
    server.containr.services.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'security.token_refused'), eq(auditLog.targetId, userId)))
      .all();

  it('records a reused verification link and a reused or expired reset link, without the token; unknown links record nothing', async () => {
    const person = await signUpAs(server);
    const verifyToken = tokenIn(await mailTo(server, person.email, /Confirm your email/), '/verify/');
    expect((await anon()('POST', '/api/auth/verify', { token: verifyToken })).status).toBe(200);
    expect(refusals(person.id)).toEqual([]);
    expect((await anon()('POST', '/api/auth/verify', { token: verifyToken })).status).toBe(410);

    await anon()('POST', '/api/auth/reset', { email: person.email });
    const resetToken = tokenIn(await mailTo(server, person.email, /Reset your/), '/reset/');
    expect((await anon()('POST', '/api/auth/reset/confirm', { token: resetToken, password: 'a brand new password' })).status).toBe(200);
    expect((await anon()('POST', '/api/auth/reset/confirm', { token: resetToken, password: 'yet another password' })).status).toBe(410);

    await anon()('POST', '/api/auth/reset', { email: person.email });
    await expect.poll(() => mailsTo(server, person.email, /Reset your/).length).toBe(2);
    const staleToken = tokenIn(mailsTo(server, person.email, /Reset your/).find((m) => !m.text.includes(resetToken))!, '/reset/');
    offset += RESET_TTL_MS + 1_000;
    try {
      expect((await anon()('POST', '/api/auth/reset/confirm', { token: staleToken, password: 'a third password' })).status).toBe(410);
    } finally {
      offset = 0;
    }
    expect((await anon()('POST', '/api/auth/reset/confirm', { token: `rst_${'x'.repeat(43)}`, password: 'a third password' })).status).toBe(404);
    expect((await anon()('POST', '/api/auth/verify', { token: `ver_${'x'.repeat(43)}` })).status).toBe(404);

    const rows = refusals(person.id);
    expect(rows.map((r) => [r.details.purpose, r.details.reason])).toEqual([
      ['verify-email', 'used'],
      ['reset-password', 'used'],
      ['reset-password', 'expired'],
    ]);
    for (const row of rows) {
      expect(row).toMatchObject({ actorId: null, targetType: 'user', ip: expect.any(String) });
      expect(Object.keys(row.details).sort()).toEqual(['purpose', 'reason', 'tokenId']);
      for (const token of [verifyToken, resetToken, staleToken]) expect(JSON.stringify(row)).not.toContain(token.slice(4));
    }
    // The account's owner sees them in its activity.
    const session = (await login(person.email, 'a brand new password')).headers.get('set-cookie')!.split(';')[0];
    const activity = (await client(server.url, { cookie: session })('GET', '/api/account')).body.activity.map((e: { action: string }) => e.action);
    expect(activity).toContain('security.token_refused');
  });
});

describe('change of address', () => {
  it('needs the password, mails the new address, and switches once the link is used', async () => {
    const person = await signUpAs(server, uniqueEmail('old'), 'Cam');
    const newEmail = uniqueEmail('new');
    const wrong = await person.api('POST', '/api/auth/email', { email: newEmail, password: 'not my password' });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.issues).toEqual([{ path: 'password', message: 'wrong password' }]);

    const asked = await person.api('POST', '/api/auth/email', { email: newEmail, password: PASSWORD });
    expect(asked.status).toBe(202);
    const token = tokenIn(await mailTo(server, newEmail, /new email address/), '/verify/');
    // Nothing changes until the link is used.
    expect((await person.api('GET', '/api/me')).body.user.email).toBe(person.email);

    const confirmed = await anon()('POST', '/api/auth/verify', { token });
    expect(confirmed.body).toEqual({ purpose: 'change-email', email: newEmail });
    expect((await person.api('GET', '/api/me')).body.user.email).toBe(newEmail);
    expect((await login(newEmail, PASSWORD)).status).toBe(200);
    expect((await login(person.email, PASSWORD)).status).toBe(401);
    await mailTo(server, person.email, /address was changed/);
  });

  it('answers the same for an address another account uses, and sends it nothing', async () => {
    const person = await signUpAs(server);
    const other = await signUpAs(server);
    const res = await person.api('POST', '/api/auth/email', { email: other.email, password: PASSWORD });
    expect(res.status).toBe(202);
    expect(mailsTo(server, other.email, /new email address/)).toEqual([]);
  });
});
