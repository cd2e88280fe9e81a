import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { addService, moveService, ROOT, setVariable, updateService } from '../../../sync';
import { docStore, isLayoutOnly, REMOTE_COALESCE_MS, specAt, validationAt } from './use-doc-snapshot';

/** Whether each transaction on `doc` after `setup` counted as layout only. */
function record(doc: Y.Doc): boolean[] {
  const seen: boolean[] = [];
  doc.getMap(ROOT.services).observeDeep((events) => seen.push(isLayoutOnly(events)));
  return seen;
}

describe('isLayoutOnly', () => {
  it('is true for moving a node, false for anything deployable', () => {
    const doc = new Y.Doc();
    const id = addService(doc, { kind: 'service', name: 'api' });
    const seen = record(doc);
    moveService(doc, id, { x: 10, y: 20 });
    setVariable(doc, id, 'A', '1');
    updateService(doc, id, { replicas: 2 });
    addService(doc, { kind: 'volume', name: 'data' });
    expect(seen).toEqual([true, false, false, false]);
  });

  it('is false when a transaction moves one node and edits another', () => {
    const doc = new Y.Doc();
    const a = addService(doc, { kind: 'service', name: 'a' });
    const b = addService(doc, { kind: 'service', name: 'b' });
    const seen = record(doc);
    doc.transact(() => {
      moveService(doc, a, { x: 1, y: 1 });
      updateService(doc, b, { replicas: 3 });
    });
    expect(seen).toEqual([false]);
  });

  it('treats a position stored as a nested Y.Map as layout too', () => {
    const doc = new Y.Doc();
    const id = addService(doc, { kind: 'service', name: 'api' });
    const node = doc.getMap(ROOT.services).get(id) as Y.Map<unknown>;
    const position = new Y.Map<unknown>([
      ['x', 0],
      ['y', 0],
    ]);
    node.set('position', position);
    const seen = record(doc);
    position.set('x', 5);
    expect(seen).toEqual([true]);
  });
});

describe('docStore', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  function setup() {
    const doc = new Y.Doc();
    const id = addService(doc, { kind: 'service', name: 'api' });
    const store = docStore(doc);
    let notified = 0;
    const unsubscribe = store.subscribe(() => notified++);
    return { doc, id, store, unsubscribe, notified: () => notified };
  }

  it('is one store per document, giving a new snapshot for each local change but not for layout', () => {
    const { doc, id, store, notified } = setup();
    expect(docStore(doc)).toBe(store);
    const first = store.get();
    setVariable(doc, id, 'A', '1');
    expect(notified()).toBe(1);
    expect(store.get()).not.toBe(first);
    moveService(doc, id, { x: 1, y: 2 });
    expect(notified()).toBe(1);
  });

  it('gathers a burst of remote updates into one snapshot', () => {
    vi.useFakeTimers();
    const { doc, id, store, notified } = setup();
    const peer = new Y.Doc();
    Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc));
    const before = store.get();
    for (const value of ['1', '2', '3']) {
      const sv = Y.encodeStateVector(peer);
      setVariable(peer, id, 'A', value);
      Y.applyUpdate(doc, Y.encodeStateAsUpdate(peer, sv));
    }
    expect(notified()).toBe(0);
    vi.advanceTimersByTime(REMOTE_COALESCE_MS);
    expect(notified()).toBe(1);
    expect(store.get().version).toBe(before.version + 1);
  });

  it('notices changes made while nobody was subscribed', () => {
    const { doc, id, store, unsubscribe } = setup();
    unsubscribe();
    const before = store.get();
    updateService(doc, id, { replicas: 2 });
    store.subscribe(() => {});
    expect(store.get()).not.toBe(before);
  });

  it('computes the spec and issues once per snapshot', () => {
    const { doc, id, store } = setup();
    updateService(doc, id, { name: 'Bad Name' });
    const snapshot = store.get();
    expect(specAt(snapshot)).toBe(specAt(snapshot));
    expect(validationAt(snapshot).map((i) => i.path)).toContain('name');
  });
});
