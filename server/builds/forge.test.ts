// Comments on pull/merge requests: off by default (the server may have no way to
// the forge), and when turned on, posted to the forge's API, here a local HTTP
// server standing in for GitHub and GitLab. Nothing leaves this machine.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import { addService, type NodeInit } from '../../sync';
import { parseEnv } from '../env';
import { createLogger } from '../logger';
import { client, signUp, startTestServer, waitFor } from '../test-utils';
import type { ForgeEvent } from './events';
import { createForge } from './forge';
import { githubPullRequest } from './test-repos';
import { githubSignature } from './webhooks';

type Received = { method: string; url: string; headers: IncomingHttpHeaders; body: unknown };

let forgeServer: Server;
let forgeUrl: string;
const received: Received[] = [];

beforeAll(async () => {
  forgeServer = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: text ? JSON.parse(text) : null });
      res.writeHead(201, { 'content-type': 'application/json' }).end('{"id":1}');
    });
  });
  await new Promise<void>((resolve) => forgeServer.listen(0, '127.0.0.1', resolve));
  forgeUrl = `http://127.0.0.1:${(forgeServer.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => forgeServer.close(() => resolve())));
beforeEach(() => void (received.length = 0));

const logger = createLogger('silent', false);
const event: Extract<ForgeEvent, { kind: 'pr-open' }> = {
  kind: 'pr-open',
  repo: { urls: ['https://github.com/acme/web.git'], fullName: 'acme/web' },
  number: 7,
  title: 'a change',
  baseBranch: 'main',
  headBranch: 'feature',
  headCommit: 'a'.repeat(40),
  headRepo: null,
};
const env = (vars: Record<string, string>) => parseEnv({ CONTAINR_DATA_DIR: '/tmp/unused', ...vars }).builds.forgeComments;

describe('forge comments', () => {
  it('are off by default, even with tokens set', async () => {
    const config = env({
      CONTAINR_GITHUB_TOKEN: 'ghp_token',
      CONTAINR_GITLAB_TOKEN: 'glpat_token',
      CONTAINR_GITHUB_API_URL: forgeUrl,
      CONTAINR_GITLAB_API_URL: forgeUrl,
    });
    expect(config.enabled).toBe(false);
    const forge = createForge(config, logger);
    await forge.comment('github', event, 'hello');
    await forge.comment('gitlab', event, 'hello');
    expect(received).toEqual([]);
  });

  it('when on, post to GitHub issue comments and GitLab merge request notes with the token', async () => {
    const config = env({
      CONTAINR_FORGE_COMMENTS: 'true',
      CONTAINR_GITHUB_TOKEN: 'ghp_token',
      CONTAINR_GITLAB_TOKEN: 'glpat_token',
      CONTAINR_GITHUB_API_URL: forgeUrl,
      CONTAINR_GITLAB_API_URL: `${forgeUrl}/api/v4`,
    });
    const forge = createForge(config, logger);
    await forge.comment('github', event, 'preview ready');
    await forge.comment('gitlab', { ...event, repo: { urls: [], fullName: 'acme/web' } }, 'preview ready');
    expect(received).toEqual([
      expect.objectContaining({ method: 'POST', url: '/repos/acme/web/issues/7/comments', body: { body: 'preview ready' } }),
      expect.objectContaining({ method: 'POST', url: '/api/v4/projects/acme%2Fweb/merge_requests/7/notes', body: { body: 'preview ready' } }),
    ]);
    expect(received[0].headers.authorization).toBe('Bearer ghp_token');
    expect(received[1].headers['private-token']).toBe('glpat_token');
  });

  it('when on but without a token for the forge, post nothing', async () => {
    const forge = createForge(env({ CONTAINR_FORGE_COMMENTS: 'true', CONTAINR_GITHUB_API_URL: forgeUrl }), logger);
    await forge.comment('github', event, 'hello');
    expect(received).toEqual([]);
  });

  it("a pull request webhook comments the preview's URLs (not its share link) when on", async () => {
    const server = await startTestServer({
      env: { CONTAINR_FORGE_COMMENTS: 'true', CONTAINR_GITHUB_TOKEN: 'ghp_token', CONTAINR_GITHUB_API_URL: forgeUrl },
      deploy: { startupGraceMs: 0 },
    });
    try {
      const owner = client(server.url, { cookie: (await signUp(server.url, 'Owner')).cookie });
      const created = await owner('POST', '/api/projects', { name: `Forge ${randomUUID().slice(0, 6)}` });
      const projectId = created.body.project.id as string;
      const environmentId = created.body.environments[0].id as string;
      await server.containr.sync.documents.withDocument(environmentId, (doc: Y.Doc) =>
        addService(doc, {
          kind: 'service',
          name: 'web',
          source: { type: 'git', repo: 'https://github.com/acme/web.git', branch: 'main' },
          ports: [{ port: 8080, public: true }],
        } as NodeInit),
      );
      const secret = (await owner('POST', `/api/projects/${projectId}/webhook-secret`)).body.secret as string;
      const payload = githubPullRequest('https://github.com/acme/web.git', 'opened', 7, { ref: 'feature', sha: 'b'.repeat(40) });
      const res = await client(server.url)('POST', `/api/hooks/github?project=${projectId}`, JSON.stringify(payload), {
        'content-type': 'application/json',
        'x-github-event': 'pull_request',
        'x-github-delivery': 'pr-7',
        'x-hub-signature-256': githubSignature(secret, JSON.stringify(payload)),
      });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      await waitFor(() => received.length > 0, 10_000, 'the comment');
      expect(received[0]).toMatchObject({ method: 'POST', url: '/repos/acme/web/issues/7/comments' });
      const body = (received[0].body as { body: string }).body;
      expect(body).toContain('Containr preview `pr-7`');
      expect(body).toContain(res.body.preview.urls[0].url);
      expect(body).not.toContain('/share/');
    } finally {
      await server.close();
    }
  });
});
