import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  addEdge,
  addService,
  deleteVariable,
  getEdges,
  getMeta,
  getServices,
  initDoc,
  moveService,
  readService,
  removeEdge,
  removeService,
  renameService,
  setVariable,
  suggestName,
  updateService,
} from './doc';
import { CURRENT_SCHEMA_VERSION } from './schema';
import { putRawNode, syncDocs } from './test-fixtures';

const api = { kind: 'service', name: 'api', source: { type: 'image', image: 'api:1' } } as const;

function value(doc: Y.Doc, id: string) {
  const read = readService(doc, id);
  if (!read?.ok) throw new Error(`service ${id} does not read as valid`);
  return read.value;
}

describe('initDoc / getMeta', () => {
  it('sets the version and environment name', () => {
    const doc = new Y.Doc();
    initDoc(doc, { environmentName: 'production' });
    expect(getMeta(doc)).toEqual({ schemaVersion: CURRENT_SCHEMA_VERSION, environmentName: 'production' });
  });

  it('does not overwrite the version of an existing document', () => {
    const doc = new Y.Doc();
    doc.getMap('meta').set('schemaVersion', 1);
    initDoc(doc, { environmentName: 'staging' });
    expect(getMeta(doc).schemaVersion).toBe(1);
  });
});

describe('writing and reading services', () => {
  it('adds a service with a nested variables map and reads it back', () => {
    const doc = new Y.Doc();
    const id = addService(doc, { ...api, variables: { A: '1' } });
    expect(value(doc, id)).toMatchObject({ ...api, variables: { A: '1' }, replicas: 1 });
    const node = doc.getMap('services').get(id) as Y.Map<unknown>;
    expect(node.get('variables')).toBeInstanceOf(Y.Map);
  });

  it('creates the variables map even when the init has none', () => {
    const doc = new Y.Doc();
    const id = addService(doc, api);
    expect((doc.getMap('services').get(id) as Y.Map<unknown>).get('variables')).toBeInstanceOf(Y.Map);
  });

  it('updates fields, deletes undefined ones and keeps the variables map', () => {
    const doc = new Y.Doc();
    const id = addService(doc, { ...api, command: ['serve'], variables: { A: '1', B: '2' } });
    const variables = (doc.getMap('services').get(id) as Y.Map<unknown>).get('variables');

    expect(updateService(doc, id, { replicas: 3, command: undefined, variables: { A: '1', C: '3' } })).toBe(true);

    const read = value(doc, id);
    expect(read.replicas).toBe(3);
    expect(read).not.toHaveProperty('command');
    expect(read).toMatchObject({ variables: { A: '1', C: '3' } });
    expect((doc.getMap('services').get(id) as Y.Map<unknown>).get('variables')).toBe(variables);
  });

  it('does not share objects with the caller', () => {
    const doc = new Y.Doc();
    const ports = [{ port: 80 }];
    const id = addService(doc, { ...api, ports });
    ports[0].port = 81;
    expect(value(doc, id)).toMatchObject({ ports: [{ port: 80 }] });
  });

  it('sets, deletes variables and moves', () => {
    const doc = new Y.Doc();
    const id = addService(doc, api);
    setVariable(doc, id, 'A', '1');
    setVariable(doc, id, 'B', '2');
    deleteVariable(doc, id, 'A');
    moveService(doc, id, { x: 10, y: 20 });
    expect(value(doc, id)).toMatchObject({ variables: { B: '2' }, position: { x: 10, y: 20 } });
  });

  it('accepts variables stored as a plain object and converts them on write', () => {
    const doc = new Y.Doc();
    putRawNode(doc, 'old', { kind: 'service', name: 'old', variables: { A: '1' } });
    expect(value(doc, 'old')).toMatchObject({ variables: { A: '1' } });
    setVariable(doc, 'old', 'B', '2');
    expect(value(doc, 'old')).toMatchObject({ variables: { A: '1', B: '2' } });
  });

  it('reports writes to a missing service with false', () => {
    const doc = new Y.Doc();
    expect(updateService(doc, 'nope', { replicas: 2 })).toBe(false);
    expect(setVariable(doc, 'nope', 'A', '1')).toBe(false);
    expect(moveService(doc, 'nope', { x: 0, y: 0 })).toBe(false);
    expect(removeService(doc, 'nope')).toBe(false);
    expect(readService(doc, 'nope')).toBeUndefined();
  });

  it('renames a service and the references to it', () => {
    const doc = new Y.Doc();
    const db = addService(doc, { kind: 'database', name: 'db', variables: { URL: 'pg://${{ db.HOST }}' } });
    const web = addService(doc, { ...api, variables: { DB: '${{db.URL}}', OTHER: '${{ dbx.URL }}' } });
    renameService(doc, db, 'main-db');
    expect(value(doc, db)).toMatchObject({ name: 'main-db', variables: { URL: 'pg://${{ main-db.HOST }}' } });
    expect(value(doc, web)).toMatchObject({ variables: { DB: '${{ main-db.URL }}', OTHER: '${{ dbx.URL }}' } });
  });

  it('suggests a free name', () => {
    const doc = new Y.Doc();
    addService(doc, { kind: 'database', name: 'postgres' });
    addService(doc, { kind: 'database', name: 'postgres-2' });
    expect(suggestName(doc, 'postgres')).toBe('postgres-3');
    expect(suggestName(doc, 'redis')).toBe('redis');
  });
});

describe('reading garbage', () => {
  it('returns ok:false with issues, without throwing', () => {
    const doc = new Y.Doc();
    const services = doc.getMap<unknown>('services');
    services.set('str', 'not a node');
    services.set('num', 42);
    services.set('nil', null);
    putRawNode(doc, 'bad', { kind: 'service', name: 7, ports: 'eighty', variables: new Y.Map([['A', 1]]) });

    for (const id of ['str', 'num', 'nil']) {
      const read = readService(doc, id);
      expect(read?.ok).toBe(false);
    }
    const bad = readService(doc, 'bad');
    expect(bad).toMatchObject({ ok: false, raw: { name: 7, ports: 'eighty', variables: { A: 1 } } });
    if (bad?.ok === false) {
      expect(bad.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['name', 'ports', 'variables.A']));
      expect(bad.issues.every((i) => i.serviceId === 'bad')).toBe(true);
    }
    expect(getServices(doc).filter((e) => e.ok)).toEqual([]);
  });
});

describe('edges', () => {
  it('adds once per pair, removes, and goes with a removed service', () => {
    const doc = new Y.Doc();
    const a = addService(doc, { ...api, name: 'a' });
    const b = addService(doc, { ...api, name: 'b' });
    const c = addService(doc, { ...api, name: 'c' });
    const ab = addEdge(doc, { from: a, to: b });
    expect(addEdge(doc, { from: a, to: b })).toBe(ab);
    const bc = addEdge(doc, { from: b, to: c });
    addEdge(doc, { from: c, to: a });

    expect(removeEdge(doc, bc)).toBe(true);
    removeService(doc, a);

    expect(getEdges(doc)).toEqual([]);
    expect(doc.getMap('edges').size).toBe(0);
  });
});

describe('concurrent edits', () => {
  function twoPeers() {
    const a = new Y.Doc();
    initDoc(a, { environmentName: 'production' });
    const id = addService(a, { ...api, variables: { SHARED: 'x' } });
    const b = new Y.Doc();
    syncDocs(a, b);
    return { a, b, id };
  }

  it('keeps both peers’ edits of different variables', () => {
    const { a, b, id } = twoPeers();
    setVariable(a, id, 'FROM_A', '1');
    updateService(b, id, { variables: { SHARED: 'x', FROM_B: '2' } });
    syncDocs(a, b);
    for (const doc of [a, b]) {
      expect(value(doc, id).variables).toEqual({ SHARED: 'x', FROM_A: '1', FROM_B: '2' });
    }
  });

  it('keeps edits of different fields of one service', () => {
    const { a, b, id } = twoPeers();
    updateService(a, id, { replicas: 2 });
    moveService(b, id, { x: 5, y: 5 });
    syncDocs(a, b);
    expect(value(a, id)).toMatchObject({ replicas: 2, position: { x: 5, y: 5 } });
  });

  it('removes a deleted service’s edges on the other peer too', () => {
    const { a, b, id } = twoPeers();
    const other = addService(a, { ...api, name: 'worker' });
    addEdge(a, { from: other, to: id });
    syncDocs(a, b);

    removeService(a, id);
    setVariable(b, id, 'LATE', 'edit');
    syncDocs(a, b);

    for (const doc of [a, b]) {
      expect(readService(doc, id)).toBeUndefined();
      expect(getEdges(doc)).toEqual([]);
      expect(doc.getMap('edges').size).toBe(0);
    }
  });

  it('hides an edge a peer added to a service removed at the same time', () => {
    const { a, b, id } = twoPeers();
    const other = addService(a, { ...api, name: 'worker' });
    syncDocs(a, b);

    removeService(a, id);
    addEdge(b, { from: other, to: id });
    syncDocs(a, b);

    expect(getEdges(a)).toEqual([]);
    expect(getEdges(b)).toEqual([]);
  });
});

describe('origins', () => {
  it('lets an UndoManager undo only local changes', () => {
    const local = { user: 'me' };
    const a = new Y.Doc();
    const b = new Y.Doc();
    const id = addService(a, api, 'setup');
    syncDocs(a, b);
    const undo = new Y.UndoManager([a.getMap('services'), a.getMap('edges')], {
      trackedOrigins: new Set([local]),
    });

    setVariable(a, id, 'MINE', '1', local);
    setVariable(b, id, 'THEIRS', '2', 'remote-user');
    syncDocs(a, b);
    undo.undo();

    expect(value(a, id).variables).toEqual({ THEIRS: '2' });
  });
});
