import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addEdge, addService, moveService, ROOT, toSpec, updateService } from '../../../sync';
import { stagedChanges } from './staged';

function deployed() {
  const doc = new Y.Doc();
  const web = addService(doc, { kind: 'service', name: 'web', source: { type: 'image', image: 'web:1' } });
  const db = addService(doc, {
    kind: 'database',
    preset: 'postgres',
    name: 'db',
    source: { type: 'image', image: 'postgres:16' },
  });
  return { doc, web, db, baseline: toSpec(doc).spec };
}

describe('stagedChanges', () => {
  it('is empty right after a deploy, and after moving nodes', () => {
    const { doc, web, baseline } = deployed();
    expect(stagedChanges(doc, baseline).count).toBe(0);
    moveService(doc, web, { x: 400, y: 120 });
    expect(stagedChanges(doc, baseline).count).toBe(0);
  });

  it('counts services and edges, and names edge ends', () => {
    const { doc, web, db, baseline } = deployed();
    updateService(doc, web, { replicas: 2 });
    addEdge(doc, { from: web, to: db });
    const staged = stagedChanges(doc, baseline);
    expect(staged.count).toBe(2);
    expect(staged.diff.edges.added.map((e) => `${staged.nameOf(e.from)} → ${staged.nameOf(e.to)}`)).toEqual([
      'web → db',
    ]);
  });

  it('reports a node that became unreadable as such, not as removed', () => {
    const { doc, db, baseline } = deployed();
    (doc.getMap(ROOT.services).get(db) as Y.Map<unknown>).set('ports', [5432]);
    const staged = stagedChanges(doc, baseline);
    expect(staged.diff.removed).toEqual([]);
    expect(staged.unreadable).toMatchObject([{ serviceId: db, name: 'db', isNew: false }]);
    expect(staged.count).toBe(1);
  });
});
