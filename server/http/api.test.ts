import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, signUp, startTestServer, type TestServer } from '../test-utils';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { CONTAINR_LOGIN_MAX_FAILURES: '3' } });
});
afterAll(() => server.close());

describe('auth', () => {
  it('signs up, reads /me with the cookie, logs out and loses access', async () => {
    const session = await signUp(server.url, 'Ana Lima');
    const api = client(server.url, { cookie: session.cookie });
    const me = await api('GET', '/api/me');
    expect(me.status).toBe(200);
    expect(me.body.user.name).toBe('Ana Lima');
    expect(me.body.teams).toEqual([expect.objectContaining({ id: session.teamId, role: 'owner', personal: true })]);

    expect((await api('POST', '/api/auth/logout')).status).toBe(204);
    expect((await api('GET', '/api/me')).status).toBe(401);
  });

  it('sets an httpOnly, SameSite cookie on login and refuses a wrong password with 401', async () => {
    const session = await signUp(server.url);
    const api = client(server.url);
    const ok = await api('POST', '/api/auth/login', { email: session.user.email, password: 'a long password' });
    expect(ok.status).toBe(200);
    const cookie = ok.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^containr_session=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);

    const wrong = await api('POST', '/api/auth/login', { email: session.user.email, password: 'nope nope nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('NOT_AUTHENTICATED');
  });

  it('answers 429 with Retry-After after repeated failures, even with the right password', async () => {
    const session = await signUp(server.url);
    const api = client(server.url);
    for (let i = 0; i < 3; i++) {
      expect((await api('POST', '/api/auth/login', { email: session.user.email, password: 'wrong-password' })).status).toBe(401);
    }
    const limited = await api('POST', '/api/auth/login', { email: session.user.email, password: 'a long password' });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('answers a duplicate email with "check your email" and no session (decision 004)', async () => {
    const session = await signUp(server.url);
    const res = await client(server.url)('POST', '/api/auth/signup', {
      email: session.user.email.toUpperCase(),
      password: 'another password',
      name: 'Copy',
    });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ status: 'check-email', message: expect.stringContaining('Check your email') });
    expect(res.headers.get('set-cookie')).toBeNull();
  });
});

describe('bad input', () => {
  it('answers malformed JSON with 400 and the error shape', async () => {
    const res = await client(server.url)('POST', '/api/auth/signup', '{"email":', { 'content-type': 'application/json' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { code: 'BAD_REQUEST', message: 'malformed JSON body' } });
  });

  it('answers failed validation with 422 and per-field issues', async () => {
    const res = await client(server.url)('POST', '/api/auth/signup', { email: 'not-an-email', password: 'short', name: '' });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('VALIDATION');
    const paths = res.body.error.issues.map((i: { path: string }) => i.path).sort();
    expect(paths).toEqual(['email', 'name', 'password']);
  });

  it('answers unauthenticated calls with 401 and unknown routes with 404', async () => {
    const api = client(server.url);
    expect((await api('GET', '/api/projects')).status).toBe(401);
    const session = await signUp(server.url);
    const authed = client(server.url, { cookie: session.cookie });
    const missing = await authed('GET', '/api/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
    expect((await authed('GET', '/api/projects/does-not-exist')).status).toBe(404);
  });

  it('refuses a cookie-authenticated write from another origin', async () => {
    const session = await signUp(server.url);
    const res = await client(server.url, { cookie: session.cookie })('POST', '/api/projects', { name: 'x' }, {
      origin: 'https://evil.example',
    });
    expect(res.status).toBe(403);
    const list = await client(server.url, { cookie: session.cookie })('GET', '/api/projects');
    expect(list.body.projects).toEqual([]);
  });

  it('rejects a body over 1 MiB', async () => {
    const session = await signUp(server.url);
    const res = await client(server.url, { cookie: session.cookie })('POST', '/api/projects', {
      name: 'big',
      description: 'x'.repeat(1_100_000),
    });
    expect(res.status).toBe(413);
  });
});

describe('projects and environments', () => {
  it('creates a project with a production environment, updates, lists and deletes it', async () => {
    const session = await signUp(server.url);
    const api = client(server.url, { cookie: session.cookie });
    const created = await api('POST', '/api/projects', { name: 'Store Front' });
    expect(created.status).toBe(201);
    expect(created.body.project).toMatchObject({ name: 'Store Front', slug: 'store-front', teamId: session.teamId });
    expect(created.body.environments.map((e: { name: string }) => e.name)).toEqual(['production']);
    const id = created.body.project.id;

    expect((await api('POST', '/api/projects', { name: 'Store Front' })).status).toBe(409);
    expect((await api('PATCH', `/api/projects/${id}`, { description: 'the shop' })).body.project.description).toBe('the shop');
    expect((await api('PATCH', `/api/projects/${id}`, {})).status).toBe(422);
    expect((await api('GET', '/api/projects')).body.projects.map((p: { id: string }) => p.id)).toEqual([id]);

    const staging = await api('POST', `/api/projects/${id}/environments`, { name: 'staging' });
    expect(staging.status).toBe(201);
    expect((await api('POST', `/api/projects/${id}/environments`, { name: 'Not A Label' })).status).toBe(422);
    expect((await api('POST', `/api/projects/${id}/environments`, { name: 'staging' })).status).toBe(409);
    const envs = await api('GET', `/api/projects/${id}/environments`);
    expect(envs.body.environments.map((e: { name: string }) => e.name)).toEqual(['production', 'staging']);
    expect((await api('DELETE', `/api/environments/${staging.body.environment.id}`)).status).toBe(204);
    const production = envs.body.environments[0].id;
    expect((await api('DELETE', `/api/environments/${production}`)).status).toBe(409);

    expect((await api('DELETE', `/api/projects/${id}`)).status).toBe(204);
    expect((await api('GET', `/api/projects/${id}`)).status).toBe(404);
  });

  it("hides another team's projects and environments behind 404", async () => {
    const owner = await signUp(server.url);
    const stranger = await signUp(server.url);
    const created = await client(server.url, { cookie: owner.cookie })('POST', '/api/projects', { name: 'secret' });
    const id = created.body.project.id;
    const envId = created.body.environments[0].id;
    const api = client(server.url, { cookie: stranger.cookie });
    for (const [method, path, body] of [
      ['GET', `/api/projects/${id}`],
      ['PATCH', `/api/projects/${id}`, { name: 'mine' }],
      ['DELETE', `/api/projects/${id}`],
      ['GET', `/api/projects/${id}/environments`],
      ['POST', `/api/projects/${id}/environments`, { name: 'evil' }],
      ['DELETE', `/api/environments/${envId}`],
      ['GET', `/api/audit?projectId=${id}`],
    ] as const) {
      const res = await api(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    expect((await api('POST', '/api/projects', { name: 'x', teamId: owner.teamId })).status).toBe(404);
    expect((await api('GET', '/api/projects')).body.projects).toEqual([]);
  });

  it('writes an audit row for every mutation', async () => {
    const session = await signUp(server.url);
    const api = client(server.url, { cookie: session.cookie });
    const { body } = await api('POST', '/api/projects', { name: 'audited' });
    const id = body.project.id;
    await api('PATCH', `/api/projects/${id}`, { name: 'audited-2' });
    const env = await api('POST', `/api/projects/${id}/environments`, { name: 'dev' });
    await api('DELETE', `/api/environments/${env.body.environment.id}`);
    const audit = await api('GET', `/api/audit?projectId=${id}`);
    expect(audit.body.entries.map((e: { action: string }) => e.action)).toEqual([
      'environment.delete',
      'environment.create',
      'project.update',
      'project.create',
    ]);
    expect(audit.body.entries[0]).toMatchObject({ actorId: session.user.id, targetType: 'environment', details: { name: 'dev' } });
  });
});

describe('API tokens', () => {
  it('creates a token shown once, authenticates with Bearer, lists without the secret, revokes', async () => {
    const session = await signUp(server.url);
    const api = client(server.url, { cookie: session.cookie });
    const created = await api('POST', '/api/tokens', { name: 'ci' });
    expect(created.status).toBe(201);
    const token: string = created.body.token;
    expect(token).toMatch(/^ctr_/);

    const bearer = client(server.url, { token });
    expect((await bearer('GET', '/api/me')).body.user.id).toBe(session.user.id);
    // Bearer-authenticated writes need no Origin check.
    expect((await bearer('POST', '/api/projects', { name: 'from-ci' }, { origin: 'https://ci.example' })).status).toBe(201);

    const list = await api('GET', '/api/tokens');
    expect(list.body.tokens).toHaveLength(1);
    expect(JSON.stringify(list.body)).not.toContain(token);
    expect(list.body.tokens[0].lastUsedAt).not.toBeNull();

    expect((await api('DELETE', `/api/tokens/${created.body.id}`)).status).toBe(204);
    expect((await bearer('GET', '/api/me')).status).toBe(401);
    expect((await api('DELETE', `/api/tokens/${created.body.id}`)).status).toBe(404);
    expect((await client(server.url, { token: 'ctr_forged' })('GET', '/api/me')).status).toBe(401);
  });

  it("cannot revoke another user's token", async () => {
    const a = await signUp(server.url);
    const b = await signUp(server.url);
    const created = await client(server.url, { cookie: a.cookie })('POST', '/api/tokens', { name: 'mine' });
    expect((await client(server.url, { cookie: b.cookie })('DELETE', `/api/tokens/${created.body.id}`)).status).toBe(404);
    expect((await client(server.url, { token: created.body.token })('GET', '/api/me')).status).toBe(200);
  });
});

it('answers /healthz', async () => {
  const res = await fetch(`${server.url}/healthz`);
  expect(await res.json()).toEqual({ ok: true });
});
