// Webhooks over real HTTP against a real server (no agent, so builds end with
// "no ready node"; the engine test covers building): signatures, replays, the
// delivery log, a push staging or deploying its commit, a PR preview made (its
// URLs and share link in the log) and removed, and the payload and URL parsing
// underneath.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import { addService, readService, type NodeInit } from '../../sync';
import { client, signUp, startTestServer, waitFor, type TestServer } from '../test-utils';
import { parseEvent } from './events';
import { repoKey, sameRepo } from './git-url';
import { githubPullRequest, githubPush } from './test-repos';
import { githubSignature } from './webhooks';

const REPO = 'https://github.com/acme/web.git';
const SHA1 = 'a'.repeat(40);
const SHA2 = 'b'.repeat(40);

let server: TestServer;
let owner: ReturnType<typeof client>;

beforeAll(async () => {
  server = await startTestServer({ deploy: { startupGraceMs: 0 } });
  owner = client(server.url, { cookie: (await signUp(server.url, 'Owner')).cookie });
}, 30_000);
afterAll(async () => server?.close());

function edit<T>(environmentId: string, fn: (doc: Y.Doc) => T): Promise<T> {
  return server.containr.sync.documents.withDocument(environmentId, fn);
}

async function project(autoDeploy?: boolean) {
  const res = await owner('POST', '/api/projects', { name: `Hooks ${randomUUID().slice(0, 6)}` });
  const projectId = res.body.project.id as string;
  const environmentId = res.body.environments[0].id as string;
  const serviceId = await edit(environmentId, (doc) =>
    addService(doc, {
      kind: 'service',
      name: 'web',
      source: { type: 'git', repo: REPO, branch: 'main', ...(autoDeploy === undefined ? {} : { autoDeploy }) },
      ports: [{ port: 8080, public: true }],
    } as NodeInit),
  );
  const secret = (await owner('POST', `/api/projects/${projectId}/webhook-secret`)).body.secret as string;
  return { projectId, environmentId, serviceId, secret };
}

function github(projectId: string | null, event: string, payload: unknown, headers: Record<string, string> = {}) {
  const path = projectId ? `/api/hooks/github?project=${projectId}` : '/api/hooks/github';
  return client(server.url)('POST', path, JSON.stringify(payload), {
    'content-type': 'application/json',
    'x-github-event': event,
    ...headers,
  });
}

function signed(secret: string, payload: unknown, delivery: string = randomUUID()) {
  return { 'x-hub-signature-256': githubSignature(secret, JSON.stringify(payload)), 'x-github-delivery': delivery };
}

const sourceOf = async (environmentId: string, serviceId: string) =>
  edit(environmentId, (doc) => {
    const read = readService(doc, serviceId);
    return read?.ok && read.value.kind === 'service' ? read.value.source : undefined;
  });

describe('webhook deliveries', () => {
  it('refuses a missing or wrong signature, a replay, and a project without a secret; logs every delivery', async () => {
    const { projectId, secret } = await project();
    const payload = githubPush(REPO, 'main', SHA1);
    expect((await github(null, 'push', payload, signed(secret, payload))).status).toBe(400);
    expect((await github(projectId, 'push', payload, { 'x-github-delivery': 'x1' })).status).toBe(401);
    expect((await github(projectId, 'push', payload, { ...signed('not the secret', payload), 'x-github-delivery': 'x2' })).status).toBe(
      401,
    );
    // The signature covers the exact bytes: the same JSON re-spaced does not verify.
    const respaced = await client(server.url)('POST', `/api/hooks/github?project=${projectId}`, JSON.stringify(payload, null, 2), {
      'content-type': 'application/json',
      'x-github-event': 'push',
      ...signed(secret, payload),
    });
    expect(respaced.status).toBe(401);

    const headers = signed(secret, { zen: 'hi' }, 'ping-1');
    const ping = await github(projectId, 'ping', { zen: 'hi' }, headers);
    expect(ping.status).toBe(202);
    expect(ping.body).toMatchObject({ outcome: 'ignored', reason: 'ping' });
    expect((await github(projectId, 'ping', { zen: 'hi' }, headers)).status).toBe(409);

    const other = await owner('POST', '/api/projects', { name: `No secret ${randomUUID().slice(0, 6)}` });
    expect((await github(other.body.project.id, 'push', payload, signed(secret, payload))).status).toBe(404);

    const log = (await owner('GET', `/api/projects/${projectId}/webhook-deliveries`)).body.deliveries;
    expect(log.map((d: { httpStatus: number; outcome: string }) => `${d.httpStatus} ${d.outcome}`)).toEqual([
      '409 rejected',
      '202 ignored',
      '401 rejected',
      '401 rejected',
      '401 rejected',
    ]);
  });

  it('checks GitLab tokens', async () => {
    const { projectId, secret } = await project(false);
    const payload = { object_kind: 'push', ref: 'refs/heads/main', after: SHA1, project: { git_http_url: REPO } };
    const send = (token: string, uuid: string) =>
      client(server.url)('POST', `/api/hooks/gitlab?project=${projectId}`, JSON.stringify(payload), {
        'content-type': 'application/json',
        'x-gitlab-event': 'Push Hook',
        'x-gitlab-token': token,
        'x-gitlab-event-uuid': uuid,
      });
    expect((await send('wrong', 'g1')).status).toBe(401);
    const ok = await send(secret, 'g2');
    expect(ok.status).toBe(202);
    expect(ok.body.environments[0]).toMatchObject({ staged: ['web'], deployed: [] });
    expect((await send(secret, 'g2')).status).toBe(409);
  });

  it('rotating the secret retires the old one; only owners and admins see it, once', async () => {
    const { projectId, secret } = await project();
    const rotated = await owner('POST', `/api/projects/${projectId}/webhook-secret`);
    expect(rotated.body.secret).not.toBe(secret);
    const payload = githubPush(REPO, 'main', SHA1);
    expect((await github(projectId, 'push', payload, signed(secret, payload))).status).toBe(401);
    const info = (await owner('GET', `/api/projects/${projectId}/webhook-secret`)).body.webhook;
    expect(info).toMatchObject({ configured: true, urls: { github: expect.stringContaining(projectId) } });
    expect(JSON.stringify(info)).not.toContain('whsec_');
  });
});

describe('what a push does', () => {
  it('with auto-deploy off, pins the pushed commit in the canvas as a staged change', async () => {
    const { projectId, environmentId, serviceId, secret } = await project(false);
    const payload = githubPush('git@github.com:acme/web.git', 'main', SHA1);
    const res = await github(projectId, 'push', payload, signed(secret, payload));
    expect(res.status).toBe(202);
    expect(res.body.environments).toEqual([
      { environmentId, environment: 'production', deployed: [], staged: ['web'], deploymentId: null },
    ]);
    expect(await sourceOf(environmentId, serviceId)).toMatchObject({ commit: SHA1, branch: 'main' });
    expect((await owner('GET', `/api/environments/${environmentId}/deployments`)).body.deployments).toEqual([]);
  });

  it('with auto-deploy, commits only the new commit and deploys it (its build says push)', async () => {
    const { projectId, environmentId, serviceId, secret } = await project();
    const first = await owner('POST', `/api/environments/${environmentId}/commits`, { message: 'first' });
    expect(first.status).toBe(201);
    // A staged edit elsewhere in the canvas is not deployed by the push.
    await edit(environmentId, (doc) =>
      addService(doc, { kind: 'service', name: 'worker', source: { type: 'image', image: 'containr/busybox' } } as NodeInit),
    );

    const payload = githubPush(REPO, 'main', SHA2);
    const res = await github(projectId, 'push', payload, signed(secret, payload));
    expect(res.status).toBe(202);
    const [target] = res.body.environments;
    expect(target).toMatchObject({ deployed: ['web'], staged: [] });
    const commit = (await owner('GET', `/api/environments/${environmentId}/commits`)).body.commits[0];
    expect(commit.message).toBe(`push ${SHA2.slice(0, 7)} to main`);
    const spec = (await owner('GET', `/api/commits/${commit.id}`)).body.commit.spec;
    expect(Object.values(spec.services).map((s) => (s as { name: string }).name)).toEqual(['web']);
    expect(spec.services[serviceId].source.commit).toBe(SHA2);

    // No node here: the build fails at once, and says why and what started it.
    const builds = await waitFor(
      async () => {
        const list = (await owner('GET', `/api/environments/${environmentId}/builds`)).body.builds;
        return list.find((b: { deploymentId: string }) => b.deploymentId === target.deploymentId);
      },
      5_000,
      'the build',
    );
    expect(builds).toMatchObject({ trigger: 'push', requestedCommit: SHA2, status: 'failed', error: 'no ready node can build it' });
    const deployment = await waitFor(
      async () => {
        const d = (await owner('GET', `/api/deployments/${target.deploymentId}`)).body.deployment;
        return d.status === 'failed' ? d : null;
      },
      5_000,
      'the deployment to fail',
    );
    expect(deployment.reason).toBe('build of web failed: no ready node can build it');
    const audit = (await owner('GET', `/api/audit?projectId=${projectId}&action=commit.create`)).body.entries;
    expect(audit[0].details.via).toMatch(/^github webhook /);
  });

  it('ignores a push to a branch nothing tracks', async () => {
    const { projectId, secret } = await project();
    const payload = githubPush(REPO, 'develop', SHA1);
    const res = await github(projectId, 'push', payload, signed(secret, payload));
    expect(res.body).toMatchObject({ outcome: 'ignored', reason: 'no service tracks develop of this repository' });
  });
});

describe('pull requests', () => {
  it('opening makes the preview pr-<n> at the head commit with its URLs in the log; closing removes it', async () => {
    const { projectId, environmentId, serviceId, secret } = await project();
    const opened = githubPullRequest(REPO, 'opened', 12, { ref: 'feature/x', sha: SHA1 });
    const res = await github(projectId, 'pull_request', opened, signed(secret, opened));
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const preview = res.body.preview;
    expect(preview).toMatchObject({ environment: 'pr-12', created: true, base: 'production', services: ['web'] });
    expect(preview.urls).toEqual([{ service: 'web', url: expect.stringContaining('web-pr-12.') }]);
    expect(await sourceOf(preview.environmentId, serviceId)).toMatchObject({ branch: 'feature/x', commit: SHA1 });
    expect(await sourceOf(environmentId, serviceId)).not.toHaveProperty('commit');
    const events = (await owner('GET', `/api/deployments/${preview.deploymentId}`)).body.deployment.events;
    const note = events.find((e: { type: string }) => e.type === 'preview');
    expect(note.message).toContain(preview.urls[0].url);
    // With the URLs, a read-only share link to the preview (and only to it), lasting as long as the preview.
    const token = /share link \(read-only, no sign-in, until [\d-]+ [\d:]+ UTC\): \S+\/share\/(\S+)$/.exec(note.message)?.[1];
    expect(token, note.message).toBeTruthy();
    expect(note.details.shareUrl).toBe(`${new URL(note.details.shareUrl).origin}/share/${token}`);
    const grant = server.containr.services.share.verify(token!);
    expect(grant).toMatchObject({ environmentId: preview.environmentId });
    expect(res.body.preview).not.toHaveProperty('shareUrl'); // the forge's delivery view does not get it
    const environment = (await owner('GET', `/api/environments/${preview.environmentId}`)).body.environment;
    expect(environment).toMatchObject({ kind: 'preview', forkedFrom: environmentId });
    expect(Math.abs(grant!.expiresAt - Date.parse(environment.expiresAt))).toBeLessThan(3_600_000);

    // New commits on the request: the same preview, built again at the new head.
    const synced = githubPullRequest(REPO, 'synchronize', 12, { ref: 'feature/x', sha: SHA2 });
    const again = await github(projectId, 'pull_request', synced, signed(secret, synced));
    expect(again.body.preview).toMatchObject({ environmentId: preview.environmentId, created: false, services: ['web'] });
    expect(await sourceOf(preview.environmentId, serviceId)).toMatchObject({ commit: SHA2 });

    const closed = githubPullRequest(REPO, 'closed', 12, { ref: 'feature/x', sha: SHA2 });
    const gone = await github(projectId, 'pull_request', closed, signed(secret, closed));
    expect(gone.body.preview).toMatchObject({ removed: preview.environmentId, environment: 'pr-12' });
    expect((await owner('GET', `/api/environments/${preview.environmentId}`)).status).toBe(404);
    expect(server.containr.services.share.verify(token!)).toBeNull();
  });
});

describe('parsing', () => {
  it('spells one repository one way', () => {
    const key = repoKey('https://github.com/Acme/Web.git');
    for (const u of [
      'git@github.com:acme/web.git',
      'ssh://git@github.com/acme/web',
      'https://token@github.com/acme/web/',
      'https://github.com/acme/web',
    ]) {
      expect(repoKey(u)).toBe(key);
    }
    expect(repoKey('file:///srv/repos/web.git')).toBe('/srv/repos/web');
    expect(sameRepo('/srv/repos/web', ['file:///srv/repos/web'])).toBe(true);
    expect(sameRepo('https://github.com/acme/web', ['https://github.com/acme/api.git'])).toBe(false);
  });

  it('reads pushes, tags, deletions and merge requests', () => {
    expect(parseEvent('github', 'push', githubPush(REPO, 'main', SHA1))).toMatchObject({ kind: 'push', branch: 'main', commit: SHA1 });
    expect(parseEvent('github', 'push', { ...githubPush(REPO, 'main', '0'.repeat(40)), deleted: true })).toMatchObject({ kind: 'ignored' });
    expect(parseEvent('github', 'push', { ref: 'refs/tags/v1', after: SHA1, repository: {} })).toMatchObject({
      kind: 'push',
      branch: 'v1',
    });
    expect(parseEvent('github', 'pull_request', githubPullRequest(REPO, 'labeled', 3, { ref: 'x', sha: SHA1 }))).toMatchObject({
      kind: 'ignored',
    });
    expect(parseEvent('github', 'push', { nonsense: true })).toMatchObject({
      kind: 'ignored',
      reason: expect.stringContaining('unexpected payload'),
    });
    const mr = (action: string, oldrev?: string) => ({
      object_kind: 'merge_request',
      project: { git_http_url: REPO },
      object_attributes: {
        iid: 4,
        action,
        source_branch: 'f',
        target_branch: 'main',
        last_commit: { id: SHA1 },
        ...(oldrev ? { oldrev } : {}),
      },
    });
    expect(parseEvent('gitlab', 'Merge Request Hook', mr('open'))).toMatchObject({
      kind: 'pr-open',
      number: 4,
      headBranch: 'f',
      baseBranch: 'main',
    });
    expect(parseEvent('gitlab', 'Merge Request Hook', mr('update'))).toMatchObject({ kind: 'ignored' });
    expect(parseEvent('gitlab', 'Merge Request Hook', mr('update', SHA2))).toMatchObject({ kind: 'pr-open' });
    expect(parseEvent('gitlab', 'Merge Request Hook', mr('merge'))).toMatchObject({ kind: 'pr-close', merged: true });
  });
});
