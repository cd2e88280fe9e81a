/**
 * Brings a document written by an older version up to `CURRENT_SCHEMA_VERSION`. The server
 * runs it when it loads a document, before any client syncs, so clients only ever see the
 * current shape.
 */
import * as Y from 'yjs';
import { META, metaMap, servicesMap } from '../roots';
import type { Migration } from './migration';
import { serviceMigrations } from './service';

/** Every migration, in the order it runs. Versions count up from 2 without gaps. */
export const migrations: readonly Migration[] = [...serviceMigrations].sort((a, b) => a.version - b.version);

export const CURRENT_SCHEMA_VERSION: number = migrations.at(-1)?.version ?? 1;

/** Documents from before `meta.schemaVersion` was written are version 1. */
const UNVERSIONED = 1;

export class SchemaTooNewError extends Error {
  constructor(readonly documentVersion: number) {
    super(`document schema version ${documentVersion} is newer than this code's ${CURRENT_SCHEMA_VERSION}`);
    this.name = 'SchemaTooNewError';
  }
}

export function getSchemaVersion(doc: Y.Doc): number {
  const version = metaMap(doc).get(META.schemaVersion);
  return typeof version === 'number' ? version : UNVERSIONED;
}

/**
 * Runs every pending migration in one transaction, so peers never see a half-migrated
 * document. Throws `SchemaTooNewError` rather than let old code edit a newer document.
 */
export function migrateDoc(doc: Y.Doc, origin: unknown = 'migration'): { from: number; to: number } {
  const from = getSchemaVersion(doc);
  if (from > CURRENT_SCHEMA_VERSION) throw new SchemaTooNewError(from);
  if (from === CURRENT_SCHEMA_VERSION) return { from, to: from };

  doc.transact(() => {
    const pending = migrations.filter((m) => m.version > from);
    for (const node of servicesMap(doc).values()) {
      if (!(node instanceof Y.Map)) continue;
      const kind = node.get('kind');
      for (const migration of pending) {
        if (typeof kind === 'string' && migration.kinds.includes(kind)) migration.up(node);
      }
    }
    metaMap(doc).set(META.schemaVersion, CURRENT_SCHEMA_VERSION);
  }, origin);
  return { from, to: CURRENT_SCHEMA_VERSION };
}
