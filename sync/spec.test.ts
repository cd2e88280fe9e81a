import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addEdge, addService, moveService } from './doc';
import { toSpec } from './spec';
import { putRawNode } from './test-fixtures';

describe('toSpec', () => {
  it('leaves out positions', () => {
    const doc = new Y.Doc();
    const id = addService(doc, { kind: 'service', name: 'api', position: { x: 3, y: 4 } });
    moveService(doc, id, { x: 100, y: 200 });
    const { spec, issues } = toSpec(doc);
    expect(issues).toEqual([]);
    expect(spec.services[id]).not.toHaveProperty('position');
    expect(spec.services[id]).toMatchObject({ kind: 'service', name: 'api', replicas: 1 });
  });

  it('gives the same spec for documents that differ only in layout', () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    putRawNode(a, 's', { kind: 'service', name: 'api', position: { x: 1, y: 1 } });
    putRawNode(b, 's', { kind: 'service', name: 'api', position: { x: 9, y: 9 } });
    expect(toSpec(a)).toEqual(toSpec(b));
  });

  it('reports invalid nodes instead of including them', () => {
    const doc = new Y.Doc();
    const good = addService(doc, { kind: 'service', name: 'api' });
    putRawNode(doc, 'bad', { kind: 'service', name: 'db', replicas: 'many' });
    const { spec, issues } = toSpec(doc);
    expect(Object.keys(spec.services)).toEqual([good]);
    expect(issues).toEqual([{ serviceId: 'bad', path: 'replicas', message: expect.any(String) }]);
  });

  it('lists edges sorted, keeping edges to invalid nodes and dropping edges to removed ones', () => {
    const doc = new Y.Doc();
    putRawNode(doc, 'b', { kind: 'service', name: 'b' });
    putRawNode(doc, 'a', { kind: 'service', name: 'a' });
    putRawNode(doc, 'bad', { kind: 'service' });
    addEdge(doc, { from: 'b', to: 'a' });
    addEdge(doc, { from: 'a', to: 'bad' });
    addEdge(doc, { from: 'a', to: 'b' });
    doc.getMap('edges').set('dangling', new Y.Map([['from', 'a'], ['to', 'gone']]));
    expect(toSpec(doc).spec.edges).toEqual([
      { from: 'a', to: 'b' },
      { from: 'a', to: 'bad' },
      { from: 'b', to: 'a' },
    ]);
  });
});
