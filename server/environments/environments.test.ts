// Environments over the API: forks copy the canvas and then diverge, secrets
// are copied only when asked, previews expire, renames and image overrides.
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addService, getMeta, getServices, initDoc, setVariable, toSpec, type NodeInit } from '../../sync';
import { buildDesired } from '../reconciler/desired';
import { documentJson, storedDocument } from '../sync/test-clients';
import { client, signUp, startTestServer, waitFor, type Session, type TestServer } from '../test-utils';

let server: TestServer;
let owner: Session;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  server = await startTestServer({ env: { CONTAINR_PREVIEW_SWEEP_S: '0.2' }, deploy: { startupGraceMs: 0 } });
  owner = await signUp(server.url, 'Env Owner');
  api = client(server.url, { cookie: owner.cookie });
});
afterAll(async () => {
  await server.close();
});

const web = (fields: Partial<NodeInit> = {}): NodeInit =>
  ({ kind: 'service', name: 'web', source: { type: 'image', image: 'containr/busybox' }, variables: { GREETING: 'hi' }, ...fields }) as NodeInit;

async function newProject(): Promise<{ projectId: string; productionId: string }> {
  const res = await api('POST', '/api/projects', { name: `Envs ${Math.random().toString(36).slice(2, 8)}` });
  expect(res.status).toBe(201);
  return { projectId: res.body.project.id, productionId: res.body.environments[0].id };
}

const edit = <T>(environmentId: string, fn: (doc: Y.Doc) => T) => server.containr.sync.documents.withDocument(environmentId, fn);

describe('forking', () => {
  it('copies the canvas as it is now, then the two diverge', async () => {
    const { projectId, productionId } = await newProject();
    const webId = await edit(productionId, (doc) => {
      initDoc(doc, { environmentName: 'production' });
      return addService(doc, web());
    });

    const res = await api('POST', `/api/projects/${projectId}/environments`, { name: 'staging', from: productionId });
    expect(res.status).toBe(201);
    const staging = res.body.environment;
    expect(staging).toMatchObject({ name: 'staging', kind: 'standard', forkedFrom: productionId, expiresAt: null, ownerId: owner.user.id });

    const fork = storedDocument(server.containr, staging.id);
    expect(documentJson(fork.doc).services).toEqual(documentJson(storedDocument(server.containr, productionId).doc).services);
    expect(getMeta(fork.doc).environmentName).toBe('staging');

    // Each side changes on its own.
    await edit(staging.id, (doc) => setVariable(doc, webId, 'GREETING', 'from staging'));
    await edit(productionId, (doc) => addService(doc, web({ name: 'worker' })));
    const stagingServices = getServices(storedDocument(server.containr, staging.id).doc);
    const productionServices = getServices(storedDocument(server.containr, productionId).doc);
    const names = (list: typeof stagingServices) => list.map((s) => (s.ok ? s.value.name : '?')).sort();
    expect(names(stagingServices)).toEqual(['web']);
    expect(names(productionServices)).toEqual(['web', 'worker']);
    const value = (list: typeof stagingServices) => {
      const entry = list.find((s) => s.id === webId);
      return entry?.ok ? (entry.value as { variables?: Record<string, string> }).variables?.GREETING : undefined;
    };
    expect(value(stagingServices)).toBe('from staging');
    expect(value(productionServices)).toBe('hi');
  });

  it('copies secrets only when asked, re-encrypted for the fork', async () => {
    const { projectId, productionId } = await newProject();
    expect((await api('PUT', `/api/environments/${productionId}/secrets/DB_PASSWORD`, { value: 's3cret' })).status).toBe(201);

    const plain = await api('POST', `/api/projects/${projectId}/environments`, { name: 'no-secrets', from: productionId });
    expect(plain.status).toBe(201);
    expect((await api('GET', `/api/environments/${plain.body.environment.id}/secrets`)).body.secrets).toEqual([]);

    const copied = await api('POST', `/api/projects/${projectId}/environments`, { name: 'with-secrets', from: productionId, copySecrets: true });
    expect(copied.status).toBe(201);
    const id = copied.body.environment.id;
    expect((await api('GET', `/api/environments/${id}/secrets`)).body.secrets.map((s: { name: string }) => s.name)).toEqual(['DB_PASSWORD']);
    expect(server.containr.services.secrets.values(id)).toEqual({ DB_PASSWORD: 's3cret' });

    // Changing the fork's secret leaves the source's alone.
    await api('PUT', `/api/environments/${id}/secrets/DB_PASSWORD`, { value: 'other' });
    expect(server.containr.services.secrets.values(productionId)).toEqual({ DB_PASSWORD: 's3cret' });

    expect((await api('POST', `/api/projects/${projectId}/environments`, { name: 'bad', copySecrets: true })).status).toBe(422);
  });

  it('refuses to fork from another project, or an environment the user cannot see', async () => {
    const a = await newProject();
    const b = await newProject();
    const res = await api('POST', `/api/projects/${a.projectId}/environments`, { name: 'cross', from: b.productionId });
    expect(res.status).toBe(422);
    const stranger = client(server.url, { cookie: (await signUp(server.url, 'Stranger')).cookie });
    const theirs = await stranger('POST', '/api/projects', { name: 'Theirs' });
    const hidden = await stranger('POST', `/api/projects/${theirs.body.project.id}/environments`, { name: 'x', from: a.productionId });
    expect(hidden.status).toBe(404);
  });
});

describe('previews', () => {
  it('get the default TTL, can be extended, and are swept once expired with a mail to the owner', async () => {
    const { projectId, productionId } = await newProject();
    const before = Date.now();
    const res = await api('POST', `/api/projects/${projectId}/environments`, { name: 'pr-1', from: productionId, preview: true });
    expect(res.status).toBe(201);
    const preview = res.body.environment;
    expect(preview.kind).toBe('preview');
    const expires = new Date(preview.expiresAt).getTime();
    expect(expires - before).toBeGreaterThanOrEqual(72 * 3_600_000 - 1_000);
    expect(expires - before).toBeLessThanOrEqual(72 * 3_600_000 + 60_000);

    const extended = await api('PATCH', `/api/environments/${preview.id}`, { ttlHours: 1 / 3600 });
    expect(extended.status).toBe(200);
    expect(new Date(extended.body.environment.expiresAt).getTime()).toBeLessThan(Date.now() + 2_000);

    await waitFor(async () => (await api('GET', `/api/environments/${preview.id}`)).status === 404, 10_000, 'the preview to be swept');
    const environments = (await api('GET', `/api/projects/${projectId}/environments`)).body.environments;
    expect(environments.map((e: { name: string }) => e.name)).toEqual(['production']);
    const mail = await waitFor(() => server.containr.services.mailer.list().find((m) => m.subject.includes('pr-1')), 5_000, 'the mail');
    expect(mail.to).toBe(owner.user.email);
    const audit = await api('GET', `/api/audit?projectId=${projectId}&action=environment.expire`);
    expect(audit.body.entries).toHaveLength(1);
  });

  it('only previews take a TTL change', async () => {
    const { productionId } = await newProject();
    const res = await api('PATCH', `/api/environments/${productionId}`, { ttlHours: 5 });
    expect(res.status).toBe(422);
  });
});

describe('renaming and image overrides', () => {
  it('renames (not onto a taken name) and updates the document meta', async () => {
    const { projectId, productionId } = await newProject();
    await edit(productionId, (doc) => initDoc(doc, { environmentName: 'production' }));
    const created = await api('POST', `/api/projects/${projectId}/environments`, { name: 'qa', from: productionId });
    const id = created.body.environment.id;
    expect((await api('PATCH', `/api/environments/${id}`, { name: 'production' })).status).toBe(409);
    const renamed = await api('PATCH', `/api/environments/${id}`, { name: 'qa-2' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.environment.name).toBe('qa-2');
    expect(getMeta(storedDocument(server.containr, id).doc).environmentName).toBe('qa-2');
    expect((await api('PATCH', `/api/environments/${id}`, {})).status).toBe(422);
  });

  it('stores overrides per service name, and the desired state runs the override image', async () => {
    const { productionId } = await newProject();
    const res = await api('PATCH', `/api/environments/${productionId}`, { imageOverrides: { web: 'myapp:pr-42' } });
    expect(res.status).toBe(200);
    expect(res.body.environment.imageOverrides).toEqual({ web: 'myapp:pr-42' });
    expect((await api('PATCH', `/api/environments/${productionId}`, { imageOverrides: { web: 'bad image' } })).status).toBe(422);
    expect((await api('PATCH', `/api/environments/${productionId}`, { imageOverrides: null })).body.environment.imageOverrides).toBeNull();
  });
});

describe('buildDesired with image overrides', () => {
  const input = (overrides: Record<string, string> | null) => {
    const doc = new Y.Doc();
    initDoc(doc, { environmentName: 'pr' });
    const webId = addService(doc, web());
    addService(doc, { kind: 'service', name: 'api', source: { type: 'git', repo: 'https://example.test/r.git', branch: 'main' } } as NodeInit);
    return {
      webId,
      desired: buildDesired({
        environment: { id: 'e1', name: 'pr' },
        project: { id: 'p1', slug: 'shop', teamId: 't1' },
        commit: { id: 'c1', spec: toSpec(doc).spec },
        deploymentId: null,
        secrets: {},
        hashKey: Buffer.alloc(32),
        imageOverrides: overrides,
      }),
    };
  };

  it('replaces the image of the named service, and runs a git service without waiting for its build', () => {
    const plain = input(null).desired;
    const overridden = input({ web: 'myapp:pr-42', api: 'api:pr-42' }).desired;
    const byName = (d: typeof plain, name: string) => d.services.find((s) => s.name === name)!;
    expect(byName(plain, 'web').template.image).toBe('containr/busybox');
    expect(byName(plain, 'api')).toMatchObject({ error: null, hold: 'waiting for its image to be built' });
    expect(byName(overridden, 'web').template.image).toBe('myapp:pr-42');
    expect(byName(overridden, 'web').specHash).not.toBe(byName(plain, 'web').specHash);
    expect(byName(overridden, 'api')).toMatchObject({ error: null, hold: null, template: expect.objectContaining({ image: 'api:pr-42' }) });
  });
});
