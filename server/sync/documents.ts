// The loaded documents: each is loaded once however many connections ask at
// the same moment (they share one load promise, as tldraw's rooms.ts does),
// stays while anyone holds it, and is unloaded after it has been idle for
// `unloadAfterMs` — only once a final snapshot has been written, so a document
// never leaves memory before its last write succeeded.
import type * as Y from 'yjs';
import { migrateDoc } from '../../sync';
import type { Logger } from '../logger';
import { LiveDocument, SERVER_ORIGIN } from './live-document';
import type { DocumentStore } from './store';

export type DocumentsOptions = {
  /** Stored updates between two snapshots. */
  compactEvery: number;
  /** How long a document with no connections stays loaded. */
  unloadAfterMs: number;
};

type Entry = {
  loading: Promise<LiveDocument>;
  live: LiveDocument | null;
  holds: number;
  unloadTimer: NodeJS.Timeout | null;
};

export class ShuttingDownError extends Error {
  constructor() {
    super('the sync server is shutting down');
    this.name = 'ShuttingDownError';
  }
}

export function createDocuments({ store, logger, options }: { store: DocumentStore; logger: Logger; options: DocumentsOptions }) {
  const entries = new Map<string, Entry>();
  let closed = false;

  function load(environmentId: string): LiveDocument {
    const stored = store.fetch(environmentId);
    const live = new LiveDocument(environmentId, stored, store, logger, options.compactEvery);
    try {
      // Bring older documents to the current schema before any client syncs.
      // A brand-new document stays empty: the canvas client initialises it.
      if (stored.updates.length > 0) migrateDoc(live.doc);
    } catch (error) {
      live.destroy();
      throw error;
    }
    return live;
  }

  function scheduleUnload(environmentId: string, entry: Entry): void {
    entry.unloadTimer = setTimeout(() => {
      entry.unloadTimer = null;
      const live = entry.live;
      if (entry.holds > 0 || !live || entries.get(environmentId) !== entry) return;
      // The snapshot is synchronous, so nobody can acquire the document halfway through.
      if (live.hasUnsavedWork && !live.compact()) return scheduleUnload(environmentId, entry);
      entries.delete(environmentId);
      live.destroy();
    }, options.unloadAfterMs);
    entry.unloadTimer.unref();
  }

  function startLoad(environmentId: string): Entry {
    const entry = { live: null, holds: 0, unloadTimer: null } as Omit<Entry, 'loading'> as Entry;
    entry.loading = Promise.resolve().then(() => (entry.live = load(environmentId)));
    // A failed load is forgotten, so the next connection tries again.
    entry.loading.catch(() => {
      if (entries.get(environmentId) === entry) entries.delete(environmentId);
    });
    return entry;
  }

  /** Loads (or joins the load of) a document and holds it until `release`. */
  async function open(environmentId: string): Promise<LiveDocument> {
    if (closed) throw new ShuttingDownError();
    let entry = entries.get(environmentId);
    if (!entry) {
      entry = startLoad(environmentId);
      entries.set(environmentId, entry);
    }
    entry.holds++;
    if (entry.unloadTimer) clearTimeout(entry.unloadTimer);
    entry.unloadTimer = null;
    try {
      return await entry.loading;
    } catch (error) {
      entry.holds--;
      throw error;
    }
  }

  function release(live: LiveDocument): void {
    const entry = entries.get(live.environmentId);
    if (!entry || entry.live !== live) return;
    entry.holds--;
    if (entry.holds === 0 && !closed) scheduleUnload(live.environmentId, entry);
  }

  /**
   * Runs `fn` with the live document, loaded if needed and held until `fn`
   * settles. Changes `fn` makes are stored and relayed to connected clients.
   * Do not keep the Y.Doc after `fn` returns: it may be unloaded.
   */
  async function withDocument<T>(environmentId: string, fn: (doc: Y.Doc) => T | Promise<T>): Promise<T> {
    const live = await open(environmentId);
    try {
      return await fn(live.doc);
    } finally {
      release(live);
    }
  }

  /** Merges a Yjs update (e.g. the state of the environment a new one is forked from) into a document. */
  async function seed(environmentId: string, update: Uint8Array): Promise<void> {
    const live = await open(environmentId);
    try {
      live.write(update, SERVER_ORIGIN);
    } finally {
      release(live);
    }
  }

  /** Snapshots and unloads every document; after this, `open` refuses. */
  async function close(): Promise<void> {
    closed = true;
    const all = [...entries.entries()];
    for (const [, entry] of all) if (entry.unloadTimer) clearTimeout(entry.unloadTimer);
    await Promise.allSettled(all.map(([, entry]) => entry.loading));
    for (const [environmentId, entry] of all) {
      const live = entry.live;
      if (!live) continue;
      // Every client update is already a stored row; a failed snapshot only loses
      // unsaved server changes, which compact() has logged.
      if (live.hasUnsavedWork) live.compact();
      live.destroy();
      entries.delete(environmentId);
    }
  }

  return {
    open,
    release,
    withDocument,
    seed,
    close,
    /** Ids of the documents in memory (for tests and diagnostics). */
    loaded: (): string[] => [...entries.entries()].filter(([, e]) => e.live).map(([id]) => id),
  };
}

export type Documents = ReturnType<typeof createDocuments>;
