import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { initDoc, readService } from '../doc';
import { putRawNode } from '../test-fixtures';
import { CURRENT_SCHEMA_VERSION, getSchemaVersion, migrateDoc, migrations, SchemaTooNewError } from './migrate';

describe('migrations list', () => {
  it('counts up from 2 without gaps, with ids ending in their version', () => {
    migrations.forEach((m, i) => {
      expect(m.version).toBe(i + 2);
      expect(m.id.endsWith(`/${m.version}`)).toBe(true);
    });
    expect(CURRENT_SCHEMA_VERSION).toBe(migrations.length + 1);
    expect(new Set(migrations.map((m) => m.id)).size).toBe(migrations.length);
  });
});

describe('migrateDoc', () => {
  function v1Doc() {
    const doc = new Y.Doc();
    putRawNode(doc, 'api', { kind: 'service', name: 'api', env: { A: '1' }, ports: [80] });
    putRawNode(doc, 'db', { kind: 'database', name: 'db', ports: [5432] });
    putRawNode(doc, 'vol', { kind: 'volume', name: 'data', ports: [1] });
    return doc;
  }

  it('brings an unversioned document to the current version in one transaction', () => {
    const doc = v1Doc();
    let updates = 0;
    doc.on('update', () => updates++);

    expect(migrateDoc(doc)).toEqual({ from: 1, to: CURRENT_SCHEMA_VERSION });

    expect(updates).toBe(1);
    expect(getSchemaVersion(doc)).toBe(CURRENT_SCHEMA_VERSION);
    expect(readService(doc, 'api')).toMatchObject({ ok: true, value: { variables: { A: '1' }, ports: [{ port: 80 }] } });
    expect(readService(doc, 'db')).toMatchObject({ ok: true, value: { ports: [{ port: 5432 }] } });
  });

  it('leaves kinds a migration does not apply to alone', () => {
    const doc = v1Doc();
    migrateDoc(doc);
    expect(doc.getMap('services').toJSON().vol).toEqual({ kind: 'volume', name: 'data', ports: [1] });
  });

  it('runs only the migrations after the stored version', () => {
    const doc = new Y.Doc();
    doc.getMap('meta').set('schemaVersion', 2);
    // Version 2 already renamed env, so an `env` field here is user data and stays.
    putRawNode(doc, 'api', { kind: 'service', name: 'api', env: 'kept', ports: [80] });
    migrateDoc(doc);
    expect(doc.getMap('services').toJSON().api).toEqual({ kind: 'service', name: 'api', env: 'kept', ports: [{ port: 80 }] });
  });

  it('does nothing to a current document', () => {
    const doc = new Y.Doc();
    initDoc(doc, { environmentName: 'production' });
    let updates = 0;
    doc.on('update', () => updates++);
    expect(migrateDoc(doc)).toEqual({ from: CURRENT_SCHEMA_VERSION, to: CURRENT_SCHEMA_VERSION });
    expect(updates).toBe(0);
  });

  it('refuses a document from a newer version', () => {
    const doc = new Y.Doc();
    doc.getMap('meta').set('schemaVersion', CURRENT_SCHEMA_VERSION + 1);
    expect(() => migrateDoc(doc)).toThrow(SchemaTooNewError);
  });

  it('tags the transaction with the origin', () => {
    const doc = v1Doc();
    const origins: unknown[] = [];
    doc.on('update', (_update: Uint8Array, origin: unknown) => origins.push(origin));
    migrateDoc(doc, 'server-load');
    expect(origins).toEqual(['server-load']);
  });
});
