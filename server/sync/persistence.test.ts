// Nothing a peer has seen is lost: across a clean restart, across compaction
// and unloading, and across a SIGKILL of the real server process.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WebsocketProvider } from 'y-websocket';
import type * as Y from 'yjs';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiToken, signUp, spawnServer as spawnProcess, startTestServer, waitFor, type TestServer } from '../test-utils';
import { connectEditor, newEnvironment, storedDocument } from './test-clients';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'containr-sync-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function editor(url: string, environmentId: string, token: string) {
  const provider = await connectEditor(url, environmentId, token);
  cleanups.push(() => provider.destroy());
  return provider;
}

const services = (doc: Y.Doc) => doc.getMap<unknown>('services');

/** `count` edits in separate transactions; resolves when `peer` has seen every one. */
async function makeEdits(author: WebsocketProvider, peer: WebsocketProvider, count: number, prefix = 'svc') {
  for (let i = 0; i < count; i++) services(author.doc).set(`${prefix}-${i}`, { name: `${prefix}-${i}`, replicas: i });
  await waitFor(() => services(peer.doc).size >= count, 10_000, `peer saw ${count} edits`);
}

describe('persistence', () => {
  it('keeps edits across a restart', async () => {
    const dataDir = tempDir();
    let server: TestServer = await startTestServer({ dataDir });
    const session = await signUp(server.url);
    const token = await createApiToken(server.url, session);
    const environmentId = await newEnvironment(server.url, { token });
    const a = await editor(server.url, environmentId, token);
    const b = await editor(server.url, environmentId, token);
    await makeEdits(a, b, 30);
    services(a.doc).delete('svc-3');
    await waitFor(() => !services(b.doc).has('svc-3'), 5_000, 'deletion relayed');
    a.destroy();
    b.destroy();
    await server.close();

    server = await startTestServer({ dataDir });
    cleanups.push(() => server.close());
    const fresh = await editor(server.url, environmentId, token);
    expect(services(fresh.doc).size).toBe(29);
    expect(services(fresh.doc).has('svc-3')).toBe(false);
    expect(services(fresh.doc).get('svc-29')).toEqual({ name: 'svc-29', replicas: 29 });
  });

  it('compacts every N updates and on unload without losing content', async () => {
    const dataDir = tempDir();
    const server = await startTestServer({ dataDir, sync: { compactEvery: 10, unloadAfterMs: 20 } });
    cleanups.push(() => server.close());
    const session = await signUp(server.url);
    const token = await createApiToken(server.url, session);
    const environmentId = await newEnvironment(server.url, { token });
    const a = await editor(server.url, environmentId, token);
    const b = await editor(server.url, environmentId, token);

    await makeEdits(a, b, 25);
    services(a.doc).delete('svc-0');
    await waitFor(() => !services(b.doc).has('svc-0'), 5_000, 'deletion relayed');
    const running = storedDocument(server.containr, environmentId);
    expect(running.hasSnapshot).toBe(true);
    expect(running.rows).toBeLessThan(10);
    expect(running.json.services).toEqual(services(a.doc).toJSON());

    a.destroy();
    b.destroy();
    const { documents } = server.containr.sync;
    await waitFor(() => !documents.loaded().includes(environmentId), 5_000, 'document unloaded');
    const unloaded = storedDocument(server.containr, environmentId);
    expect(unloaded.rows).toBe(0);
    expect(unloaded.json.services).toEqual(running.json.services);

    const fresh = await editor(server.url, environmentId, token);
    expect(services(fresh.doc).size).toBe(24);
    expect(services(fresh.doc).get('svc-24')).toEqual({ name: 'svc-24', replicas: 24 });
  });

  it('loses no acknowledged edit when the server process is killed with SIGKILL', async () => {
    const dataDir = tempDir();
    let child = await spawnServer(dataDir);
    const session = await signUp(child.url);
    const token = await createApiToken(child.url, session);
    const environmentId = await newEnvironment(child.url, { token });
    const a = await editor(child.url, environmentId, token);
    const b = await editor(child.url, environmentId, token);

    // b seeing an edit means the server stored it (it stores before it relays).
    await makeEdits(a, b, 200);
    const seen = services(b.doc).toJSON();
    a.destroy();
    b.destroy();
    await child.kill('SIGKILL');

    child = await spawnServer(dataDir);
    const fresh = await editor(child.url, environmentId, token);
    expect(services(fresh.doc).toJSON()).toEqual(seen);
    expect(Object.keys(seen)).toHaveLength(200);
  }, 60_000);
});

async function spawnServer(dataDir: string) {
  const server = await spawnProcess(dataDir);
  cleanups.push(() => server.kill());
  return server;
}
