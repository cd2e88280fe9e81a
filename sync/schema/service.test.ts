import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { putRawNode } from '../test-fixtures';
import { serviceMigrationIds, serviceMigrations, serviceSchema } from './service';

function migration(id: string) {
  const found = serviceMigrations.find((m) => m.id === id);
  if (!found) throw new Error(`no migration ${id}`);
  return found;
}

describe('service schema', () => {
  it('fills defaults and keeps unknown fields', () => {
    const parsed = serviceSchema.parse({ kind: 'service', name: 'api', futureField: { a: 1 } });
    expect(parsed).toMatchObject({
      ports: [],
      variables: {},
      secretNames: [],
      replicas: 1,
      volumes: [],
      position: { x: 0, y: 0 },
      futureField: { a: 1 },
    });
  });

  it('keeps unknown fields of nested objects', () => {
    const parsed = serviceSchema.parse({
      kind: 'service',
      name: 'api',
      source: { type: 'git', repo: 'r', branch: 'main', buildArgs: ['x'] },
    });
    expect(parsed.source).toEqual({ type: 'git', repo: 'r', branch: 'main', buildArgs: ['x'] });
  });

  it('rejects wrong shapes', () => {
    expect(serviceSchema.safeParse({ kind: 'service', name: 'api', ports: [80] }).success).toBe(false);
    expect(serviceSchema.safeParse({ kind: 'service', name: 'api', variables: { A: 1 } }).success).toBe(false);
    expect(serviceSchema.safeParse({ kind: 'service', name: 'api', source: { type: 'ftp' } }).success).toBe(false);
  });
});

describe(serviceMigrationIds.RenameEnvToVariables, () => {
  const up = migration(serviceMigrationIds.RenameEnvToVariables).up;

  it('moves env into a variables Y.Map', () => {
    const doc = new Y.Doc();
    const node = putRawNode(doc, 's1', { kind: 'service', name: 'api', env: { A: '1', B: '2' } });
    doc.transact(() => up(node));
    expect(node.has('env')).toBe(false);
    expect(node.get('variables')).toBeInstanceOf(Y.Map);
    expect(node.toJSON().variables).toEqual({ A: '1', B: '2' });
  });

  it('keeps existing variables over env and stringifies non-string values', () => {
    const doc = new Y.Doc();
    const node = putRawNode(doc, 's1', { kind: 'service', name: 'api', env: { A: 'old', N: 5 }, variables: { A: 'new' } });
    doc.transact(() => up(node));
    expect(node.toJSON().variables).toEqual({ A: 'new', N: '5' });
  });

  it('leaves a node without env alone', () => {
    const doc = new Y.Doc();
    const node = putRawNode(doc, 's1', { kind: 'service', name: 'api', variables: { A: '1' } });
    doc.transact(() => up(node));
    expect(node.toJSON()).toEqual({ kind: 'service', name: 'api', variables: { A: '1' } });
  });
});

describe(serviceMigrationIds.PortsAsObjects, () => {
  const up = migration(serviceMigrationIds.PortsAsObjects).up;

  it('turns numbers into port objects', () => {
    const doc = new Y.Doc();
    const node = putRawNode(doc, 's1', { kind: 'service', name: 'api', ports: [80, 443] });
    doc.transact(() => up(node));
    expect(node.toJSON().ports).toEqual([{ port: 80 }, { port: 443 }]);
  });

  it('keeps objects already converted, and is idempotent', () => {
    const doc = new Y.Doc();
    const node = putRawNode(doc, 's1', { kind: 'service', name: 'api', ports: [{ port: 80, public: true }, 8080] });
    doc.transact(() => up(node));
    doc.transact(() => up(node));
    expect(node.toJSON().ports).toEqual([{ port: 80, public: true }, { port: 8080 }]);
  });
});
