import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addEdge, addService, emptySpec, moveService, removeService, updateService } from '../../../sync';
import { GraphStore } from './graph-store';

const tick = () => new Promise<void>((resolve) => queueMicrotask(resolve));

function service(name: string, x = 0) {
  return { kind: 'service' as const, name, source: { type: 'image' as const, image: 'nginx:1.27' }, position: { x, y: 0 } };
}

describe('GraphStore', () => {
  it('derives nodes and edges from the document', async () => {
    const doc = new Y.Doc();
    const a = addService(doc, service('api'));
    const b = addService(doc, service('db', 300));
    addEdge(doc, { from: a, to: b });
    const store = new GraphStore(doc, emptySpec());
    await tick();
    const { nodes, edges, changeCount } = store.get();
    expect(nodes.map((n) => n.data.name)).toEqual(['api', 'db']);
    expect(nodes[1].position).toEqual({ x: 300, y: 0 });
    expect(edges).toMatchObject([{ source: a, target: b }]);
    expect(changeCount).toBe(3);
  });

  it('keeps data and untouched nodes identical when one node moves', async () => {
    const doc = new Y.Doc();
    const a = addService(doc, service('api'));
    addService(doc, service('web', 300));
    const store = new GraphStore(doc, emptySpec());
    const before = store.get().nodes;
    moveService(doc, a, { x: 50, y: 60 });
    await tick();
    const after = store.get().nodes;
    expect(after).not.toBe(before);
    expect(after[0].position).toEqual({ x: 50, y: 60 });
    expect(after[0].data).toBe(before[0].data);
    expect(after[1]).toBe(before[1]);
  });

  it('rebuilds only the node whose content changed', async () => {
    const doc = new Y.Doc();
    const a = addService(doc, service('api'));
    addService(doc, service('web', 300));
    const store = new GraphStore(doc, emptySpec());
    const before = store.get().nodes;
    updateService(doc, a, { source: { type: 'image', image: 'nginx:1.28' } });
    await tick();
    const after = store.get().nodes;
    expect(after[0].data.source).toBe('nginx:1.28');
    expect(after[1]).toBe(before[1]);
  });

  it('shows unreadable and rule-breaking nodes as invalid instead of throwing', async () => {
    const doc = new Y.Doc();
    doc.getMap('services').set('bad', new Y.Map<unknown>([['kind', 'service'], ['name', 'broken'], ['ports', 'eighty']]));
    doc.getMap('services').set('junk', 42);
    addService(doc, service('api'));
    addService(doc, service('api', 300));
    const store = new GraphStore(doc, emptySpec());
    const byName = (name: string) => store.get().nodes.filter((n) => n.data.name === name);
    expect(byName('broken')[0].data.issues[0]).toMatch(/^ports/);
    expect(byName('api').every((n) => n.data.issues.some((m) => m.includes('also named')))).toBe(true);
    expect(store.get().nodes.find((n) => n.id === 'junk')?.data).toMatchObject({ kind: 'unknown', name: '' });
    expect(store.get().invalidCount).toBe(4);
  });

  it('drops removed nodes from the graph and the selection', async () => {
    const doc = new Y.Doc();
    const a = addService(doc, service('api'));
    const b = addService(doc, service('web', 300));
    addEdge(doc, { from: a, to: b });
    const store = new GraphStore(doc, emptySpec());
    store.select([a, b]);
    await tick();
    expect(store.get().selection).toEqual([a, b]);
    removeService(doc, a);
    await tick();
    expect(store.get().nodes.map((n) => n.id)).toEqual([b]);
    expect(store.get().edges).toEqual([]);
    expect(store.get().selection).toEqual([b]);
  });

  it('shows a local drag position over the document until cleared', async () => {
    const doc = new Y.Doc();
    const a = addService(doc, service('api'));
    const store = new GraphStore(doc, emptySpec());
    store.setOverride(a, { x: 500, y: 500 });
    moveService(doc, a, { x: 10, y: 10 });
    await tick();
    expect(store.get().nodes[0].position).toEqual({ x: 500, y: 500 });
    store.clearOverride(a);
    await tick();
    expect(store.get().nodes[0].position).toEqual({ x: 10, y: 10 });
  });

  it('links services to the volumes they mount', async () => {
    const doc = new Y.Doc();
    const vol = addService(doc, { kind: 'volume', name: 'data' });
    const api = addService(doc, { ...service('api'), volumes: [{ name: 'data', mountPath: '/data' }] });
    const store = new GraphStore(doc, emptySpec());
    expect(store.get().edges).toMatchObject([{ source: api, target: vol, selectable: false }]);
  });
});
