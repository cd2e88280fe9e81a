// The Yjs endpoint end to end: a real server, stock y-websocket clients and
// raw sockets sending hand-made frames.
import * as encoding from 'lib0/encoding';
import { encodeAwarenessUpdate, Awareness } from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import type { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { teamMembers } from '../../db/schema';
import { createApiToken, signUp, startTestServer, waitFor, type Session, type TestServer } from '../test-utils';
import { CLOSE_CODES } from './close-reasons';
import { MESSAGE_AWARENESS, MESSAGE_SYNC } from './protocol';
import { connectEditor, documentJson, newEnvironment, rawClient, sendAndAwaitClose, storedDocument } from './test-clients';

let server: TestServer;
let owner: Session & { token: string };
const open: WebsocketProvider[] = [];

beforeAll(async () => {
  server = await startTestServer();
  const session = await signUp(server.url, 'Owner');
  owner = { ...session, token: await createApiToken(server.url, session) };
});
afterEach(() => {
  for (const provider of open.splice(0)) provider.destroy();
});
afterAll(() => server.close());

async function editor(environmentId: string, token = owner.token, doc?: Y.Doc) {
  const provider = await connectEditor(server.url, environmentId, token, doc);
  open.push(provider);
  return provider;
}

const services = (doc: Y.Doc) => doc.getMap<unknown>('services');

function syncFrame(type: number, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  encoding.writeVarUint(encoder, type);
  encoding.writeVarUint8Array(encoder, payload);
  return encoding.toUint8Array(encoder);
}

/** An awareness message for a made-up client id, used as an "everything before this was processed" marker. */
function awarenessFrame(clientId: number, state: Record<string, unknown>): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = clientId;
  const awareness = new Awareness(doc);
  awareness.setLocalState(state);
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_AWARENESS);
  encoding.writeVarUint8Array(encoder, encodeAwarenessUpdate(awareness, [clientId]));
  awareness.destroy();
  return encoding.toUint8Array(encoder);
}

function updateSetting(key: string, value: unknown): Uint8Array {
  const doc = new Y.Doc();
  services(doc).set(key, value);
  return Y.encodeStateAsUpdate(doc);
}

async function serverJson(environmentId: string) {
  return server.containr.sync.documents.withDocument(environmentId, documentJson);
}

describe('sync with stock y-websocket clients', () => {
  it('relays edits both ways and awareness, and drops a leaving peer’s cursor', async () => {
    const environmentId = await newEnvironment(server.url, owner);
    const a = await editor(environmentId);
    const b = await editor(environmentId);

    services(a.doc).set('web', { name: 'web' });
    await waitFor(() => services(b.doc).get('web'), 5_000, 'b sees a’s edit');
    services(b.doc).set('db', { name: 'db' });
    await waitFor(() => services(a.doc).get('db'), 5_000, 'a sees b’s edit');

    a.awareness.setLocalStateField('user', { id: 'a', name: 'Ana', color: '#f00' });
    await waitFor(() => b.awareness.getStates().get(a.doc.clientID)?.user?.name === 'Ana', 5_000, 'b sees a’s presence');

    a.destroy();
    await waitFor(() => !b.awareness.getStates().has(a.doc.clientID), 5_000, 'a’s presence removed');
    expect(storedDocument(server.containr, environmentId).json.services).toEqual({ web: { name: 'web' }, db: { name: 'db' } });
  });

  it('gives a late joiner the current document and the others’ presence', async () => {
    const environmentId = await newEnvironment(server.url, owner);
    const a = await editor(environmentId);
    services(a.doc).set('api', { replicas: 2 });
    a.awareness.setLocalStateField('user', { name: 'Ana' });
    const b = await editor(environmentId);
    await waitFor(() => services(b.doc).get('api'), 5_000, 'late joiner has the content');
    await waitFor(() => b.awareness.getStates().get(a.doc.clientID)?.user?.name === 'Ana', 5_000, 'late joiner sees presence');
  });

  it('accepts the session cookie as well as a token', async () => {
    const environmentId = await newEnvironment(server.url, owner);
    const client = rawClient(server.url, environmentId, { cookie: owner.cookie });
    await client.opened;
    // The server opens with its sync step 1 once the connection is authorized.
    await waitFor(() => client.received.length > 0, 5_000, 'server sync step 1');
    expect(Array.from(client.received[0].slice(0, 2))).toEqual([MESSAGE_SYNC, syncProtocol.messageYjsSyncStep1]);
    client.ws.close();
  });
});

describe('authorization', () => {
  it('closes NOT_AUTHENTICATED without credentials or with a bad token', async () => {
    const environmentId = await newEnvironment(server.url, owner);
    const expected = { code: CLOSE_CODES.NOT_AUTHENTICATED, reason: 'NOT_AUTHENTICATED' };
    expect(await rawClient(server.url, environmentId).closed).toEqual(expected);
    expect(await rawClient(server.url, `${environmentId}?token=ctr_nope`).closed).toEqual(expected);
    expect(await rawClient(server.url, environmentId, { cookie: 'containr_session=forged' }).closed).toEqual(expected);
  });

  it('closes NOT_FOUND for another team’s environment and for an unknown one, never FORBIDDEN', async () => {
    const stranger = await signUp(server.url, 'Stranger');
    const theirs = await newEnvironment(server.url, stranger);
    const expected = { code: CLOSE_CODES.NOT_FOUND, reason: 'NOT_FOUND' };
    expect(await rawClient(server.url, `${theirs}?token=${owner.token}`).closed).toEqual(expected);
    expect(await rawClient(server.url, `doesnotexist?token=${owner.token}`).closed).toEqual(expected);
    expect(await rawClient(server.url, `a/b?token=${owner.token}`).closed).toEqual(expected);
  });

  it('closes FORBIDDEN for a cookie sent from another site’s page', async () => {
    const environmentId = await newEnvironment(server.url, owner);
    const closed = await rawClient(server.url, environmentId, { cookie: owner.cookie, origin: 'https://evil.example' }).closed;
    expect(closed).toEqual({ code: CLOSE_CODES.FORBIDDEN, reason: 'FORBIDDEN' });
  });
});

describe('read-only connections', () => {
  it('drops a viewer’s edits from a stock client and hand-made frames, but relays its presence', async () => {
    const environmentId = await newEnvironment(server.url, owner);
    const viewerSession = await signUp(server.url, 'Viewer');
    server.containr.services.db
      .insert(teamMembers)
      .values({ teamId: owner.teamId, userId: viewerSession.user.id, role: 'viewer', createdAt: new Date() })
      .run();
    const viewerToken = await createApiToken(server.url, viewerSession);

    const ownerEditor = await editor(environmentId);
    services(ownerEditor.doc).set('web', { name: 'web' });
    const viewer = await editor(environmentId, viewerToken);
    await waitFor(() => services(viewer.doc).get('web'), 5_000, 'viewer reads the document');
    const before = { server: await serverJson(environmentId), stored: storedDocument(server.containr, environmentId) };

    // 1. A stock client editing its local copy: the update goes out, then the presence change.
    services(viewer.doc).set('evil', { name: 'evil' });
    viewer.awareness.setLocalStateField('user', { name: 'Vera' });
    await waitFor(() => ownerEditor.awareness.getStates().get(viewer.doc.clientID)?.user?.name === 'Vera', 5_000, 'viewer presence');

    // 2. Hand-made sync step 2 and update frames, then a marker processed after them.
    const raw = rawClient(server.url, `${environmentId}?token=${viewerToken}`);
    await raw.opened;
    raw.ws.send(syncFrame(syncProtocol.messageYjsSyncStep2, updateSetting('evil2', 1)));
    raw.ws.send(syncFrame(syncProtocol.messageYjsUpdate, updateSetting('evil3', 1)));
    raw.ws.send(syncFrame(syncProtocol.messageYjsUpdate, new Uint8Array([1, 2, 3]))); // dropped unread, not refused
    raw.ws.send(awarenessFrame(424242, { marker: true }));
    await waitFor(() => ownerEditor.awareness.getStates().get(424242)?.marker, 5_000, 'raw viewer marker');

    expect(services(ownerEditor.doc).toJSON()).toEqual({ web: { name: 'web' } });
    expect(await serverJson(environmentId)).toEqual(before.server);
    const after = storedDocument(server.containr, environmentId);
    expect(after.rows).toBe(before.stored.rows);
    expect(after.json).toEqual(before.stored.json);
    expect(raw.ws.readyState).toBe(raw.ws.OPEN);

    // The viewer still receives the owner's edits.
    services(ownerEditor.doc).set('db', { name: 'db' });
    await waitFor(() => services(viewer.doc).get('db'), 5_000, 'viewer sees later edits');
    raw.ws.close();
  });
});

describe('limits and malformed input', () => {
  it('closes INVALID_MESSAGE on garbage, leaves the document alone and keeps serving others', async () => {
    const environmentId = await newEnvironment(server.url, owner);
    const a = await editor(environmentId);
    services(a.doc).set('web', { name: 'web' });
    await waitFor(() => storedDocument(server.containr, environmentId).json.services?.web, 5_000, 'stored');
    const before = { server: await serverJson(environmentId), stored: storedDocument(server.containr, environmentId) };
    const invalid = { code: CLOSE_CODES.INVALID_MESSAGE, reason: 'INVALID_MESSAGE' };
    const path = `${environmentId}?token=${owner.token}`;

    const frames: [string, Uint8Array | string][] = [
      ['unknown message type', new Uint8Array([7, 1, 2, 3])],
      ['auth message from a client', new Uint8Array([2, 0])],
      ['unknown sync type', new Uint8Array([0, 9, 0])],
      ['truncated frame', new Uint8Array([0, 2, 50, 1, 2])],
      ['trailing bytes', new Uint8Array([...syncFrame(syncProtocol.messageYjsUpdate, updateSetting('x', 1)), 0])],
      ['garbage Yjs update', syncFrame(syncProtocol.messageYjsUpdate, new Uint8Array([1, 2, 3, 4, 5]))],
      ['garbage sync step 2', syncFrame(syncProtocol.messageYjsSyncStep2, new Uint8Array([1, 1, 1, 1, 1, 200]))],
      ['garbage state vector', syncFrame(syncProtocol.messageYjsSyncStep1, new Uint8Array([5, 1]))],
      ['awareness that is not JSON', new Uint8Array([1, 6, 1, 9, 1, 2, 0x7b, 0x78])],
      ['text frame', 'hello'],
      ['random bytes', new Uint8Array(Array.from({ length: 64 }, (_, i) => (i * 97 + 13) % 256))],
    ];
    for (const [what, frame] of frames) {
      expect(await sendAndAwaitClose(rawClient(server.url, path), frame), what).toEqual(invalid);
    }

    expect(await serverJson(environmentId)).toEqual(before.server);
    const after = storedDocument(server.containr, environmentId);
    expect(after.rows).toBe(before.stored.rows);
    expect(after.json).toEqual(before.stored.json);

    const b = await editor(environmentId);
    services(a.doc).set('api', { name: 'api' });
    await waitFor(() => services(b.doc).get('api'), 5_000, 'still serving');
  });

  it('closes TOO_LARGE on a message over 1 MiB and accepts one just under it', async () => {
    const environmentId = await newEnvironment(server.url, owner);
    const path = `${environmentId}?token=${owner.token}`;
    const tooLarge = new Uint8Array(1024 * 1024 + 1);
    expect(await sendAndAwaitClose(rawClient(server.url, path), tooLarge)).toEqual({
      code: CLOSE_CODES.TOO_LARGE,
      reason: 'TOO_LARGE',
    });
    expect(storedDocument(server.containr, environmentId).rows).toBe(0);

    const a = await editor(environmentId);
    const b = await editor(environmentId);
    services(a.doc).set('big', 'x'.repeat(1000 * 1000));
    await waitFor(() => (services(b.doc).get('big') as string | undefined)?.length === 1000 * 1000, 10_000, 'big edit relayed');
  });
});
