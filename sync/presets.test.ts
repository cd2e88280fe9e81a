import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addService, readService } from './doc';
import { DATABASE_PRESETS, databaseInit, randomPassword, type DatabasePresetId } from './presets';
import { resolveReferences } from './references';
import { toSpec } from './spec';
import { validate } from './validate';

describe('database presets', () => {
  it.each(Object.keys(DATABASE_PRESETS) as DatabasePresetId[])('%s makes a valid database node', (id) => {
    const doc = new Y.Doc();
    const nodeId = addService(doc, databaseInit(id, { position: { x: 1, y: 2 } }));
    expect(readService(doc, nodeId)).toMatchObject({ ok: true, value: { kind: 'database', preset: id } });
    const { spec, issues } = toSpec(doc);
    expect([...issues, ...validate(spec)]).toEqual([]);
  });

  it('builds a Postgres URL from its own variables', () => {
    const init = databaseInit('postgres', { name: 'main-db', password: () => 'pw' });
    expect(init).toMatchObject({
      source: { type: 'image', image: 'postgres:16' },
      ports: [{ port: 5432 }],
      volumes: [{ name: 'main-db-data', mountPath: '/var/lib/postgresql/data' }],
    });
    const doc = new Y.Doc();
    const id = addService(doc, init);
    const resolved = resolveReferences(toSpec(doc).spec);
    expect(resolved.issues).toEqual([]);
    expect(resolved.spec.services[id]).toMatchObject({
      variables: { DATABASE_URL: 'postgresql://postgres:pw@main-db:5432/app' },
    });
  });

  it('gives each database fresh passwords', () => {
    const a = databaseInit('mysql').variables ?? {};
    const b = databaseInit('mysql').variables ?? {};
    expect(a.MYSQL_PASSWORD).not.toBe(b.MYSQL_PASSWORD);
    expect(a.MYSQL_PASSWORD).not.toBe(a.MYSQL_ROOT_PASSWORD);
  });

  it('makes URL-safe passwords of the asked length', () => {
    expect(randomPassword()).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(randomPassword(100)).toHaveLength(100);
  });
});
