// Loading, persisting and unloading documents, against a real SQLite file
// and a store whose writes can be made to fail.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import * as Y from 'yjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CURRENT_SCHEMA_VERSION, META, ROOT } from '../../sync';
import { openDb, type Db } from '../../db/client';
import { environments, projects, teams } from '../../db/schema';
import { systemClock } from '../clock';
import { createLogger } from '../logger';
import { waitFor } from '../test-utils';
import type { CloseReason } from './close-reasons';
import { createDocuments, type Documents } from './documents';
import { StoreFailedError, type Peer } from './live-document';
import { InvalidMessageError } from './protocol';
import { createDocumentStore, type DocumentStore } from './store';

let dir: string;
let db: Db;
let real: DocumentStore;
let faults: { store: boolean; compact: boolean };
let calls: { fetch: number; compact: number };
let documents: Documents;
let nextId = 0;

/** The real store, counting calls, with writes that fail on demand. */
function faultyStore(): DocumentStore {
  return {
    fetch(id) {
      calls.fetch++;
      return real.fetch(id);
    },
    store(id, update) {
      if (faults.store) throw new Error('disk full');
      return real.store(id, update);
    },
    compact(id, state, last) {
      calls.compact++;
      if (faults.compact) throw new Error('disk full');
      real.compact(id, state, last);
    },
    environmentExists: (id) => real.environmentExists(id),
  };
}

function newEnvironment(): string {
  const n = ++nextId;
  const now = new Date();
  db.insert(teams).values({ id: `team${n}`, name: 'team', createdAt: now }).run();
  db.insert(projects).values({ id: `proj${n}`, teamId: `team${n}`, name: 'p', slug: `p${n}`, createdAt: now, updatedAt: now }).run();
  db.insert(environments).values({ id: `env${n}`, projectId: `proj${n}`, name: 'production', createdAt: now }).run();
  return `env${n}`;
}

function start(options: { compactEvery?: number; unloadAfterMs?: number } = {}) {
  documents = createDocuments({
    store: faultyStore(),
    logger: createLogger('silent', false),
    options: { compactEvery: options.compactEvery ?? 500, unloadAfterMs: options.unloadAfterMs ?? 10 },
  });
}

function fakePeer(): Peer & { sent: Uint8Array[]; closedWith: CloseReason[] } {
  const sent: Uint8Array[] = [];
  const closedWith: CloseReason[] = [];
  return { sent, closedWith, send: (m) => sent.push(m), close: (r) => closedWith.push(r) };
}

function updateSetting(key: string, value: unknown): Uint8Array {
  const doc = new Y.Doc();
  doc.getMap('services').set(key, value);
  return Y.encodeStateAsUpdate(doc);
}

function storedServices(environmentId: string) {
  const doc = new Y.Doc();
  for (const update of real.fetch(environmentId).updates) Y.applyUpdate(doc, update);
  return doc.getMap('services').toJSON();
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'containr-docs-'));
  db = openDb(join(dir, 'test.db'));
  real = createDocumentStore(db, systemClock);
  faults = { store: false, compact: false };
  calls = { fetch: 0, compact: 0 };
  start();
});
afterEach(async () => {
  await documents.close();
  db.$client.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('loading', () => {
  it('loads a document once for concurrent opens', async () => {
    const id = newEnvironment();
    const [a, b, c] = await Promise.all([documents.open(id), documents.open(id), documents.open(id)]);
    expect(calls.fetch).toBe(1);
    expect(b).toBe(a);
    expect(c).toBe(a);
  });

  it('forgets a failed load so the next open tries again', async () => {
    const id = newEnvironment();
    real.store(id, new Uint8Array([1, 2, 3])); // a corrupt row: loading throws
    await expect(documents.open(id)).rejects.toThrow();
    expect(documents.loaded()).toEqual([]);
    db.$client.prepare('delete from document_updates').run();
    await expect(documents.open(id)).resolves.toBeDefined();
  });

  it('leaves a brand-new document empty and migrates a stored one', async () => {
    const fresh = newEnvironment();
    await documents.withDocument(fresh, (doc) => expect(metaMap(doc).size).toBe(0));
    expect(real.fetch(fresh).updates).toHaveLength(0);

    const old = newEnvironment();
    real.store(old, updateSetting('web', { name: 'web' })); // written before schemaVersion existed
    await documents.withDocument(old, (doc) => expect(metaMap(doc).get(META.schemaVersion)).toBe(CURRENT_SCHEMA_VERSION));
    // The migration is itself stored, like any server change.
    const reloaded = new Y.Doc();
    for (const update of real.fetch(old).updates) Y.applyUpdate(reloaded, update);
    expect(metaMap(reloaded).get(META.schemaVersion)).toBe(CURRENT_SCHEMA_VERSION);
  });
});

describe('writing', () => {
  it('stores an update before relaying it to the other peers', async () => {
    const id = newEnvironment();
    const live = await documents.open(id);
    const author = fakePeer();
    const other = fakePeer();
    live.join(author);
    live.join(other);
    live.write(updateSetting('web', 1), author);
    expect(storedServices(id)).toEqual({ web: 1 });
    expect(other.sent).toHaveLength(1);
    expect(author.sent).toHaveLength(0);
    documents.release(live);
  });

  it('stores and applies nothing when the write fails', async () => {
    const id = newEnvironment();
    const live = await documents.open(id);
    const author = fakePeer();
    const other = fakePeer();
    live.join(author);
    live.join(other);
    faults.store = true;
    expect(() => live.write(updateSetting('web', 1), author)).toThrow(StoreFailedError);
    expect(live.doc.getMap('services').size).toBe(0);
    expect(other.sent).toHaveLength(0);
    documents.release(live);
  });

  it('refuses an update that does not decode, storing nothing', async () => {
    const id = newEnvironment();
    const live = await documents.open(id);
    expect(() => live.write(new Uint8Array([1, 2, 3, 4, 5]), fakePeer())).toThrow(InvalidMessageError);
    expect(real.fetch(id).updates).toHaveLength(0);
    documents.release(live);
  });

  it('stores and relays changes server code makes through withDocument', async () => {
    const id = newEnvironment();
    const live = await documents.open(id);
    const peer = fakePeer();
    live.join(peer);
    await documents.withDocument(id, (doc) => doc.getMap('services').set('seeded', true));
    expect(storedServices(id)).toEqual({ seeded: true });
    expect(peer.sent).toHaveLength(1);
    await documents.seed(id, updateSetting('forked', 1));
    expect(storedServices(id)).toEqual({ seeded: true, forked: 1 });
    documents.release(live);
  });

  it('closes everyone with NOT_FOUND once the environment is deleted', async () => {
    const id = newEnvironment();
    const live = await documents.open(id);
    const peer = fakePeer();
    live.join(peer);
    db.delete(environments).where(eq(environments.id, id)).run();
    let failure: unknown;
    try {
      live.write(updateSetting('web', 1), peer);
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(StoreFailedError);
    expect((failure as StoreFailedError).reason).toBe('NOT_FOUND');
    await waitFor(() => peer.closedWith.includes('NOT_FOUND'), 1_000, 'peers closed');
    documents.release(live);
    await waitFor(() => documents.loaded().length === 0, 1_000, 'deleted document unloaded');
  });
});

describe('compaction and unloading', () => {
  it('folds the updates into a snapshot every N writes', async () => {
    start({ compactEvery: 5 });
    const id = newEnvironment();
    const live = await documents.open(id);
    for (let i = 0; i < 12; i++) live.write(updateSetting(`s${i}`, i), SERVER);
    expect(real.fetch(id).uncompacted).toBe(2);
    expect(Object.keys(storedServices(id))).toHaveLength(12);
    documents.release(live);
  });

  it('unloads an idle document only after its snapshot is written', async () => {
    const id = newEnvironment();
    const live = await documents.open(id);
    live.write(updateSetting('web', 1), SERVER);
    faults.compact = true;
    documents.release(live);
    await waitFor(() => calls.compact >= 3, 2_000, 'repeated snapshot attempts');
    expect(documents.loaded()).toEqual([id]);

    faults.compact = false;
    await waitFor(() => documents.loaded().length === 0, 2_000, 'unloaded');
    expect(real.fetch(id)).toMatchObject({ uncompacted: 0 });
    expect(storedServices(id)).toEqual({ web: 1 });
  });

  it('keeps a document that is opened again before the delay passes', async () => {
    start({ unloadAfterMs: 50 });
    const id = newEnvironment();
    const first = await documents.open(id);
    documents.release(first);
    const second = await documents.open(id);
    expect(second).toBe(first);
    expect(calls.fetch).toBe(1);
    documents.release(second);
  });
});

const SERVER = { send() {}, close() {} } satisfies Peer;
const metaMap = (doc: Y.Doc) => doc.getMap<unknown>(ROOT.meta);
