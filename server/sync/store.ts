// Persistence of canvas documents in two calls, `fetch` and `store`, as in
// Hocuspocus's Database extension, plus `compact`. Every call is synchronous
// (better-sqlite3): when `store` returns, the update is committed (WAL with
// synchronous=NORMAL survives a process crash), which is what lets the server
// persist an update before it applies or relays it.
import { and, asc, eq, gt, lte, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { documentSnapshots, documentUpdates, environments } from '../../db/schema';
import type { Clock } from '../clock';

export type StoredDocument = {
  /** The snapshot (when there is one) followed by every update stored after it, oldest first. */
  updates: Uint8Array[];
  /** The id of the last update these cover (0 when nothing was ever stored). */
  lastUpdateId: number;
  /** How many of `updates` are rows not yet folded into the snapshot. */
  uncompacted: number;
};

export type DocumentStore = {
  fetch(environmentId: string): StoredDocument;
  /** Appends one update and returns its id. Throws when it could not be written. */
  store(environmentId: string, update: Uint8Array): number;
  /** Replaces the snapshot with `state` and deletes the updates up to `lastUpdateId`, in one transaction. */
  compact(environmentId: string, state: Uint8Array, lastUpdateId: number): void;
  environmentExists(environmentId: string): boolean;
};

// better-sqlite3 binds Buffers as blobs; this views the same memory, no copy.
const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

export function createDocumentStore(db: Db, clock: Clock): DocumentStore {
  // Prepared once: `store` runs for every edit.
  const insertUpdate = db
    .insert(documentUpdates)
    .values({
      environmentId: sql.placeholder('environmentId'),
      data: sql.placeholder('data'),
      createdAt: sql.placeholder('createdAt'),
    })
    .returning({ id: documentUpdates.id })
    .prepare();

  return {
    fetch(environmentId) {
      const snapshot = db
        .select({ state: documentSnapshots.state, lastUpdateId: documentSnapshots.lastUpdateId })
        .from(documentSnapshots)
        .where(eq(documentSnapshots.environmentId, environmentId))
        .get();
      const after = snapshot?.lastUpdateId ?? 0;
      const rows = db
        .select({ id: documentUpdates.id, data: documentUpdates.data })
        .from(documentUpdates)
        .where(and(eq(documentUpdates.environmentId, environmentId), gt(documentUpdates.id, after)))
        .orderBy(asc(documentUpdates.id))
        .all();
      return {
        updates: [...(snapshot ? [snapshot.state] : []), ...rows.map((r) => r.data)],
        lastUpdateId: rows.at(-1)?.id ?? after,
        uncompacted: rows.length,
      };
    },

    store(environmentId, update) {
      const row = insertUpdate.get({ environmentId, data: asBuffer(update), createdAt: new Date(clock.now()) });
      if (!row) throw new Error('insert returned no row');
      return row.id;
    },

    compact(environmentId, state, lastUpdateId) {
      const now = new Date(clock.now());
      db.transaction((tx) => {
        tx.insert(documentSnapshots)
          .values({ environmentId, state: asBuffer(state), lastUpdateId, updatedAt: now })
          .onConflictDoUpdate({
            target: documentSnapshots.environmentId,
            set: { state: asBuffer(state), lastUpdateId, updatedAt: now },
          })
          .run();
        tx.delete(documentUpdates)
          .where(and(eq(documentUpdates.environmentId, environmentId), lte(documentUpdates.id, lastUpdateId)))
          .run();
      });
    },

    environmentExists(environmentId) {
      return !!db.select({ id: environments.id }).from(environments).where(eq(environments.id, environmentId)).get();
    },
  };
}
