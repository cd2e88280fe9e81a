import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { countChanged, diff, isEmptyDiff } from './diff';
import { addService, moveService } from './doc';
import { emptySpec, toSpec } from './spec';
import { service, specOf } from './test-fixtures';

const base = specOf(
  [
    service('api', { ports: [{ port: 80 }], variables: { A: '1', B: '2' }, resources: { cpu: 1 } }),
    service('db'),
    service('old'),
  ],
  [{ from: 'api', to: 'db' }],
);

describe('diff', () => {
  it('is empty for identical specs', () => {
    const d = diff(base, structuredClone(base));
    expect(d).toEqual({ added: [], removed: [], changed: [], edges: { added: [], removed: [] } });
    expect(isEmptyDiff(d)).toBe(true);
  });

  it('lists added, removed and changed services with field paths', () => {
    const next = structuredClone(base);
    delete next.services.old;
    next.services.cache = service('cache');
    next.services.api = service('api', {
      ports: [{ port: 80, public: true }],
      variables: { A: '1', B: 'two', C: '3' },
      resources: { cpu: 1, memoryMb: 256 },
      source: { type: 'image', image: 'nginx:1.28' },
    });
    next.edges = [{ from: 'cache', to: 'db' }];

    const d = diff(base, next);
    expect(d.added).toEqual([{ serviceId: 'cache', name: 'cache', kind: 'service' }]);
    expect(d.removed).toEqual([{ serviceId: 'old', name: 'old', kind: 'service' }]);
    expect(d.changed).toEqual([
      {
        serviceId: 'api',
        name: 'api',
        changes: [
          { path: 'ports', before: [{ port: 80 }], after: [{ port: 80, public: true }] },
          { path: 'resources.memoryMb', before: undefined, after: 256 },
          { path: 'source.image', before: 'nginx:1.27', after: 'nginx:1.28' },
          { path: 'variables.B', before: '2', after: 'two' },
          { path: 'variables.C', before: undefined, after: '3' },
        ],
      },
    ]);
    expect(d.edges).toEqual({ added: [{ from: 'cache', to: 'db' }], removed: [{ from: 'api', to: 'db' }] });
    expect(countChanged(d)).toBe(5);
  });

  it('reports a removed field with after undefined', () => {
    const next = structuredClone(base);
    next.services.api = { ...next.services.api, command: ['x'] };
    const d = diff(next, base);
    expect(d.changed[0].changes).toEqual([{ path: 'command', before: ['x'], after: undefined }]);
  });

  it('treats everything as added against an empty spec', () => {
    const d = diff(emptySpec(), base);
    expect(d.added.map((s) => s.name)).toEqual(['api', 'db', 'old']);
    expect(d.edges.added).toEqual(base.edges);
  });

  it('ignores positions', () => {
    const doc = new Y.Doc();
    const id = addService(doc, { kind: 'service', name: 'api', position: { x: 0, y: 0 } });
    const before = toSpec(doc).spec;
    moveService(doc, id, { x: 50, y: 60 });
    expect(isEmptyDiff(diff(before, toSpec(doc).spec))).toBe(true);

    const withLayout = { ...before, services: { [id]: { ...before.services[id], position: { x: 1, y: 1 } } } };
    expect(isEmptyDiff(diff(before, withLayout))).toBe(true);
  });
});
