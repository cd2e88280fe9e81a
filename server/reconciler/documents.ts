// Where a commit reads the canvas. Normally the live Y.Doc the Yjs endpoint
// holds (attached in app.ts); before that, the persisted updates, which are
// the same content, since the endpoint stores every update before it applies
// or relays it.
import * as Y from 'yjs';
import type { Db } from '../../db/client';
import { migrateDoc, toSpec, type DeployableSpec, type Issue } from '../../sync';
import type { Clock } from '../clock';
import { createDocumentStore } from '../sync/store';

export type SpecReader = (environmentId: string) => Promise<{ spec: DeployableSpec; issues: Issue[] }>;

export type LiveDocuments = { withDocument<T>(id: string, fn: (doc: Y.Doc) => T | Promise<T>): Promise<T> };

/** Reads through server/sync's `documents.withDocument` (which loads a document nobody has open). */
export function liveSpecReader(documents: LiveDocuments): SpecReader {
  return (environmentId) => documents.withDocument(environmentId, (doc) => toSpec(doc));
}

/** Reads the stored updates into a scratch document, migrated as the endpoint would on load. */
export function storedSpecReader(db: Db, clock: Clock): SpecReader {
  const store = createDocumentStore(db, clock);
  return async (environmentId) => {
    const doc = new Y.Doc();
    try {
      const { updates } = store.fetch(environmentId);
      for (const update of updates) Y.applyUpdate(doc, update);
      if (updates.length > 0) migrateDoc(doc);
      return toSpec(doc);
    } finally {
      doc.destroy();
    }
  };
}
