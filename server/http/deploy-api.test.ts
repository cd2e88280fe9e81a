// The deploy API without Docker: commits (valid, invalid, without deploy),
// history, rollback, redeploy, cancel, status, and secrets encrypted at rest.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import { addService, initDoc, removeService, setVariable, updateService } from '../../sync';
import { client, signUp, startTestServer, type Session, type TestServer } from '../test-utils';

let server: TestServer;
let owner: Session;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  // No agents here: deployments stay running/failed; these tests look at what is stored.
  server = await startTestServer({ deploy: { startupGraceMs: 0, maxAttempts: 1, backoffMs: 10 } });
  owner = await signUp(server.url, 'Owner');
  api = client(server.url, { cookie: owner.cookie });
});
afterAll(() => server.close());

async function newEnvironment(name = 'Shop'): Promise<{ projectId: string; environmentId: string }> {
  const res = await api('POST', '/api/projects', { name: `${name} ${Math.random().toString(36).slice(2, 8)}` });
  expect(res.status).toBe(201);
  return { projectId: res.body.project.id, environmentId: res.body.environments[0].id };
}

function edit<T>(environmentId: string, fn: (doc: Y.Doc) => T): Promise<T> {
  return server.containr.sync.documents.withDocument(environmentId, (doc) => fn(doc));
}

async function addWeb(environmentId: string, fields: Record<string, unknown> = {}): Promise<string> {
  return edit(environmentId, (doc) => {
    initDoc(doc, { environmentName: 'production' });
    return addService(doc, {
      kind: 'service',
      name: 'web',
      source: { type: 'image', image: 'containr/busybox' },
      ports: [{ port: 8080, public: true }],
      variables: { GREETING: 'hello' },
      ...fields,
    });
  });
}

function rawCount(table: string, environmentId: string): number {
  const row = server.containr.services.db.$client
    .prepare(`select count(*) as n from ${table} where environment_id = ?`)
    .get(environmentId) as { n: number };
  return row.n;
}

describe('commits', () => {
  it("refuses a commit over the team's quota with a 422 naming the quota", async () => {
    // The first account of the instance is its admin, who may set quotas.
    const { environmentId } = await newEnvironment('Quota');
    await addWeb(environmentId, { replicas: 2, resources: { cpu: 1.5, memoryMb: 256 } });
    expect((await api('PUT', `/api/teams/${owner.teamId}/quota`, { maxCpu: 2 })).status).toBe(200);
    const res = await api('POST', `/api/environments/${environmentId}/commits`, { message: 'too big' });
    expect(res.status).toBe(422);
    expect(res.body.error.issues).toEqual([expect.objectContaining({ path: 'quota.maxCpu' })]);
    expect(rawCount('commits', environmentId)).toBe(0);

    expect((await api('PUT', `/api/teams/${owner.teamId}/quota`, { maxCpu: null })).status).toBe(200);
    expect((await api('POST', `/api/environments/${environmentId}/commits`, { deploy: false })).status).toBe(201);
  });

  it('refuses an invalid document with 422 and per-service issues, storing nothing', async () => {
    const { environmentId } = await newEnvironment();
    const id = await addWeb(environmentId, { name: 'Not A DNS Name', variables: { URL: '${{ nowhere.HOST }}' }, secretNames: ['API_KEY'] });

    const res = await api('POST', `/api/environments/${environmentId}/commits`, { message: 'first' });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('VALIDATION');
    expect(res.body.error.message).toMatch(/problem/);
    expect(res.body.error.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ serviceId: id, path: 'name' }),
        expect.objectContaining({ serviceId: id, path: 'variables.URL', message: expect.stringContaining('nowhere') }),
        expect.objectContaining({ serviceId: id, path: 'secretNames.0', message: 'no secret named API_KEY in this environment' }),
      ]),
    );
    expect(rawCount('commits', environmentId)).toBe(0);
    expect(rawCount('deployments', environmentId)).toBe(0);
  });

  it('reports a node that fails the schema as an issue of that node', async () => {
    const { environmentId } = await newEnvironment();
    const id = await addWeb(environmentId);
    await edit(environmentId, (doc) => updateService(doc, id, { ports: 'eighty' as never }));
    const res = await api('POST', `/api/environments/${environmentId}/commits`, {});
    expect(res.status).toBe(422);
    expect(res.body.error.issues).toEqual([expect.objectContaining({ serviceId: id, path: 'ports' })]);
    expect(rawCount('commits', environmentId)).toBe(0);
  });

  it('stores an immutable commit with its diff and queues a deployment; history lists both with diffs', async () => {
    const { environmentId } = await newEnvironment();
    const id = await addWeb(environmentId);

    const first = await api('POST', `/api/environments/${environmentId}/commits`, { message: 'add web' });
    expect(first.status).toBe(201);
    expect(first.body.commit).toMatchObject({ number: 1, message: 'add web', author: { id: owner.user.id, email: owner.user.email } });
    expect(first.body.diff.added).toEqual([{ serviceId: id, name: 'web', kind: 'service' }]);
    expect(first.body.deployment).toMatchObject({ commitId: first.body.commit.id, trigger: 'commit', commitNumber: 1 });
    expect(['queued', 'running', 'failed']).toContain(first.body.deployment.status);

    await edit(environmentId, (doc) => setVariable(doc, id, 'GREETING', 'hi'));
    const second = await api('POST', `/api/environments/${environmentId}/commits`, { message: 'say hi', deploy: false });
    expect(second.status).toBe(201);
    expect(second.body.deployment).toBeNull();
    expect(second.body.diff.changed).toEqual([
      { serviceId: id, name: 'web', changes: [{ path: 'variables.GREETING', before: 'hello', after: 'hi' }] },
    ]);

    const history = await api('GET', `/api/environments/${environmentId}/commits`);
    expect(history.status).toBe(200);
    expect(history.body.commits.map((c: { number: number }) => c.number)).toEqual([2, 1]);
    expect(history.body.commits[0].diff.changed).toHaveLength(1);
    expect(history.body.commits[0].spec).toBeUndefined();

    const one = await api('GET', `/api/commits/${first.body.commit.id}`);
    expect(one.body.commit.spec.services[id].variables).toEqual({ GREETING: 'hello' });

    const deployments = await api('GET', `/api/environments/${environmentId}/deployments`);
    expect(deployments.body.deployments).toHaveLength(1);

    const audited = server.containr.services.db.$client
      .prepare("select action from audit_log where action in ('commit.create', 'deployment.create') and details like ?")
      .all(`%${environmentId}%`) as { action: string }[];
    expect(audited.map((a) => a.action).sort()).toEqual(['commit.create', 'commit.create', 'deployment.create']);
  });

  it('rolls back with a new commit carrying the old spec, and redeploys a commit', async () => {
    const { environmentId } = await newEnvironment();
    const id = await addWeb(environmentId);
    const first = await api('POST', `/api/environments/${environmentId}/commits`, { message: 'v1' });
    await edit(environmentId, (doc) => removeService(doc, id));
    const second = await api('POST', `/api/environments/${environmentId}/commits`, { message: 'remove web' });
    expect(second.body.diff.removed).toEqual([{ serviceId: id, name: 'web', kind: 'service' }]);

    const back = await api('POST', `/api/commits/${first.body.commit.id}/rollback`, {});
    expect(back.status).toBe(201);
    expect(back.body.commit).toMatchObject({ number: 3, rollbackOf: first.body.commit.id, message: 'Roll back to #1' });
    expect(back.body.diff.added).toEqual([{ serviceId: id, name: 'web', kind: 'service' }]);
    expect(back.body.deployment).toMatchObject({ trigger: 'rollback', commitNumber: 3 });

    const again = await api('POST', `/api/commits/${second.body.commit.id}/redeploy`);
    expect(again.status).toBe(201);
    expect(again.body.deployment).toMatchObject({ trigger: 'redeploy', commitId: second.body.commit.id });
  });

  it('cancels an active deployment once; cancelling again is a conflict', async () => {
    const { environmentId } = await newEnvironment();
    await addWeb(environmentId, { resources: { memoryMb: 60_000 } });
    const commit = await api('POST', `/api/environments/${environmentId}/commits`, {});
    const deploymentId = commit.body.deployment.id;
    const current = await api('GET', `/api/deployments/${deploymentId}`);
    if (current.body.deployment.status === 'failed') return; // no agent: it may have failed already
    const cancel = await api('POST', `/api/deployments/${deploymentId}/cancel`);
    expect(cancel.status).toBe(200);
    expect(cancel.body.deployment).toMatchObject({ status: 'cancelled' });
    const twice = await api('POST', `/api/deployments/${deploymentId}/cancel`);
    expect(twice.status).toBe(409);
    const detail = await api('GET', `/api/deployments/${deploymentId}`);
    expect(detail.body.deployment.events.map((e: { type: string }) => e.type)).toContain('status');
  });

  it('answers the status of an environment per service, and hides other teams’ environments', async () => {
    const { environmentId } = await newEnvironment();
    const id = await addWeb(environmentId);
    await api('POST', `/api/environments/${environmentId}/commits`, {});
    const status = await api('GET', `/api/environments/${environmentId}/status`);
    expect(status.status).toBe(200);
    expect(status.body.services).toEqual([
      expect.objectContaining({
        serviceId: id,
        name: 'web',
        replicas: { desired: 1, running: 0 },
        url: expect.stringMatching(/^http:\/\/web-production\.shop-[a-z0-9-]+\.localhost:\d+$/),
        containers: [],
      }),
    ]);

    const stranger = client(server.url, { cookie: (await signUp(server.url, 'Stranger')).cookie });
    expect((await stranger('GET', `/api/environments/${environmentId}/status`)).status).toBe(404);
    expect((await stranger('POST', `/api/environments/${environmentId}/commits`, {})).status).toBe(404);
  });
});

describe('secrets', () => {
  it('stores values encrypted, lists names only, and never writes a value to the audit log', async () => {
    const { environmentId } = await newEnvironment();
    const value = 'correct horse battery staple';
    const put = await api('PUT', `/api/environments/${environmentId}/secrets/API_KEY`, { value });
    expect(put.status).toBe(201);
    expect(put.body.secret).toEqual({ name: 'API_KEY', createdAt: expect.any(String), updatedAt: expect.any(String) });
    expect((await api('PUT', `/api/environments/${environmentId}/secrets/API_KEY`, { value: `${value}!` })).status).toBe(200);

    const list = await api('GET', `/api/environments/${environmentId}/secrets`);
    expect(list.body.secrets).toEqual([{ name: 'API_KEY', createdAt: expect.any(String), updatedAt: expect.any(String) }]);
    expect(JSON.stringify(list.body)).not.toContain('horse');

    const db = server.containr.services.db.$client;
    const raw = db.prepare('select * from secrets where environment_id = ?').get(environmentId) as { value: Buffer };
    expect(Buffer.isBuffer(raw.value)).toBe(true);
    expect(raw.value.includes(Buffer.from('horse'))).toBe(false);
    expect(raw.value.length).toBeGreaterThan(value.length + 28);
    const audit = db.prepare("select details from audit_log where action like 'secret.%'").all() as { details: string }[];
    expect(audit.length).toBeGreaterThanOrEqual(2);
    expect(audit.every((a) => !a.details.includes('horse'))).toBe(true);

    // The value decrypts with the instance key, bound to its environment and name.
    expect(server.containr.services.secrets.values(environmentId)).toEqual({ API_KEY: `${value}!` });
  });

  it('refuses deleting a secret the deployed commit uses, then deletes it once unused', async () => {
    const { environmentId } = await newEnvironment();
    await api('PUT', `/api/environments/${environmentId}/secrets/TOKEN`, { value: 's3cret' });
    const id = await addWeb(environmentId, { secretNames: ['TOKEN'] });
    expect((await api('POST', `/api/environments/${environmentId}/commits`, {})).status).toBe(201);

    const refused = await api('DELETE', `/api/environments/${environmentId}/secrets/TOKEN`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('web');

    await edit(environmentId, (doc) => updateService(doc, id, { secretNames: [] }));
    expect((await api('POST', `/api/environments/${environmentId}/commits`, {})).status).toBe(201);
    expect((await api('DELETE', `/api/environments/${environmentId}/secrets/TOKEN`)).status).toBe(204);
    expect((await api('DELETE', `/api/environments/${environmentId}/secrets/TOKEN`)).status).toBe(404);
  });

  it('validates names and hides secrets from other teams', async () => {
    const { environmentId } = await newEnvironment();
    expect((await api('PUT', `/api/environments/${environmentId}/secrets/1BAD`, { value: 'x' })).status).toBe(422);
    expect((await api('PUT', `/api/environments/${environmentId}/secrets/OK`, {})).status).toBe(422);
    const stranger = client(server.url, { cookie: (await signUp(server.url, 'Stranger')).cookie });
    expect((await stranger('GET', `/api/environments/${environmentId}/secrets`)).status).toBe(404);
    expect((await stranger('PUT', `/api/environments/${environmentId}/secrets/OK`, { value: 'x' })).status).toBe(404);
  });
});
