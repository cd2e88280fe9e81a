// Clients of the Yjs endpoint for tests and benchmarks: stock y-websocket
// providers (what the browser runs) and raw sockets that send hand-made frames
// and report how the server closed them.
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { ROOT } from '../../sync';
import type { Containr } from '../app';
import { client, waitFor } from '../test-utils';
import { createDocumentStore } from './store';

export function syncUrl(httpUrl: string): string {
  return `${httpUrl.replace(/^http/, 'ws')}/sync`;
}

/** A stock y-websocket provider; resolves once it has synced with the server. */
export async function connectEditor(
  httpUrl: string,
  environmentId: string,
  token: string,
  doc = new Y.Doc(),
): Promise<WebsocketProvider> {
  const provider = new WebsocketProvider(syncUrl(httpUrl), environmentId, doc, {
    // ws implements the part of the DOM WebSocket that y-websocket uses; only the types differ.
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    params: { token },
  });
  try {
    await waitFor(() => provider.synced, 10_000, `editor synced with ${environmentId}`);
  } catch (error) {
    provider.destroy();
    throw error;
  }
  return provider;
}

export type RawClient = {
  ws: WebSocket;
  /** Binary messages received from the server, in order. */
  received: Uint8Array[];
  opened: Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
};

/** A bare socket to `/sync/<path>`; `headers` may carry a cookie or an Origin. */
export function rawClient(httpUrl: string, path: string, headers: Record<string, string> = {}): RawClient {
  const ws = new WebSocket(`${syncUrl(httpUrl)}/${path}`, { headers });
  const received: Uint8Array[] = [];
  ws.on('message', (data: Buffer) => received.push(new Uint8Array(data)));
  ws.on('error', () => {}); // the close event carries what the tests look at
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('close', (code) => reject(new Error(`closed before opening (${code})`)));
  });
  opened.catch(() => {});
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  return { ws, received, opened, closed };
}

/** Sends `frames` once the socket is open, then waits for the server to close it. */
export async function sendAndAwaitClose(client: RawClient, ...frames: (Uint8Array | string)[]) {
  await client.opened;
  for (const frame of frames) client.ws.send(frame);
  return client.closed;
}

let projects = 0;

/** A new project over the API; returns the id of its `production` environment. */
export async function newEnvironment(httpUrl: string, auth: { cookie?: string; token?: string }): Promise<string> {
  const res = await client(httpUrl, auth)('POST', '/api/projects', { name: `project ${++projects}` });
  if (res.status !== 201) throw new Error(`project creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.environments[0].id as string;
}

/** What the database holds for a document, read the way a fresh load would read it. */
export function storedDocument(containr: Containr, environmentId: string) {
  const stored = createDocumentStore(containr.services.db, containr.services.clock).fetch(environmentId);
  const doc = new Y.Doc();
  for (const update of stored.updates) Y.applyUpdate(doc, update);
  return {
    rows: stored.uncompacted,
    hasSnapshot: stored.updates.length > stored.uncompacted,
    doc,
    json: documentJson(doc),
  };
}

/** The document's roots as plain values (Y.Doc#toJSON leaves out roots no one has asked for by type). */
export function documentJson(doc: Y.Doc): Record<string, Record<string, unknown>> {
  return Object.fromEntries(Object.values(ROOT).map((name) => [name, doc.getMap(name).toJSON()]));
}
