// One loaded canvas document: the Y.Doc, its awareness, the peers connected
// to it, and the rule that every update is stored before it is applied or
// relayed (ARCHITECTURE "Edit": an edit a peer has seen survives a crash).
import {
  Awareness,
  encodeAwarenessUpdate,
  removeAwarenessStates,
} from 'y-protocols/awareness';
import * as Y from 'yjs';
import type { Logger } from '../logger';
import type { CloseReason } from './close-reasons';
import { encodeAwareness, encodeUpdate, InvalidMessageError, inspectUpdate } from './protocol';
import type { DocumentStore, StoredDocument } from './store';

/** A connection as the document sees it. Also the Yjs/awareness transaction origin of its changes. */
export interface Peer {
  send(message: Uint8Array): void;
  close(reason: CloseReason): void;
}

/** Origin of changes made by server code (seeding, migrations, the commit endpoint). */
export const SERVER_ORIGIN = Symbol('server');

/** An update could not be stored; the connection that sent it closes with `reason`. */
export class StoreFailedError extends Error {
  constructor(
    readonly reason: Extract<CloseReason, 'NOT_FOUND' | 'INTERNAL_ERROR'>,
    options: { cause: unknown },
  ) {
    super(reason === 'NOT_FOUND' ? 'the environment was deleted' : 'the update could not be stored', options);
    this.name = 'StoreFailedError';
  }
}

export class LiveDocument {
  readonly doc = new Y.Doc();
  readonly awareness: Awareness;
  /** Each peer and the awareness client ids it has announced (removed when it leaves). */
  private readonly peers = new Map<Peer, Set<number>>();
  private lastUpdateId: number;
  private uncompacted: number;
  /** A change made by server code was applied but its write failed: only a snapshot can save it now. */
  private unsaved = false;
  /** Set while applying an update that `write` has already stored. */
  private applyingStored = false;
  /** The environment was deleted: nothing more can be stored, and nothing needs to be. */
  gone = false;

  constructor(
    readonly environmentId: string,
    stored: StoredDocument,
    private readonly store: DocumentStore,
    private readonly logger: Logger,
    private readonly compactEvery: number,
  ) {
    this.lastUpdateId = stored.lastUpdateId;
    this.uncompacted = stored.uncompacted;
    this.doc.transact(() => {
      for (const update of stored.updates) Y.applyUpdate(this.doc, update);
    }, 'load');

    this.awareness = new Awareness(this.doc);
    // The server is not a participant; it only keeps and relays the peers' states.
    this.awareness.setLocalState(null);

    this.doc.on('update', (update: Uint8Array, origin: unknown) => this.onUpdate(update, origin));
    this.awareness.on('update', (change: AwarenessChange, origin: unknown) => this.onAwareness(change, origin));
  }

  get peerCount(): number {
    return this.peers.size;
  }

  /** Whether there is anything a snapshot would save. */
  get hasUnsavedWork(): boolean {
    return this.uncompacted > 0 || this.unsaved;
  }

  join(peer: Peer): void {
    this.peers.set(peer, new Set());
  }

  leave(peer: Peer): void {
    const clients = this.peers.get(peer);
    this.peers.delete(peer);
    // Tell the others this peer's cursors are gone now, not after the 30 s awareness timeout.
    if (clients && clients.size > 0) removeAwarenessStates(this.awareness, [...clients], null);
  }

  closeAll(reason: CloseReason): void {
    for (const peer of [...this.peers.keys()]) peer.close(reason);
  }

  /** Whether the document already holds everything in `update` (a reconnecting client's sync step 2 usually). */
  contains(update: Uint8Array): boolean {
    try {
      return Y.snapshotContainsUpdate(Y.snapshot(this.doc), update);
    } catch {
      return false; // malformed: let `write` refuse it
    }
  }

  /**
   * Validates, stores, then applies an update; the doc's update event relays
   * it. Throws InvalidMessageError (nothing stored) or StoreFailedError
   * (nothing stored, nothing applied: the sender still holds the update and
   * sends it again when it reconnects and syncs).
   */
  write(update: Uint8Array, origin: Peer | typeof SERVER_ORIGIN): void {
    if (this.gone) throw new StoreFailedError('NOT_FOUND', { cause: null });
    if (inspectUpdate(update).empty) return;
    try {
      this.lastUpdateId = this.store.store(this.environmentId, update);
      this.uncompacted++;
    } catch (error) {
      throw this.storeFailed(error);
    }
    this.applyingStored = true;
    try {
      Y.applyUpdate(this.doc, update, origin);
    } catch (error) {
      // It decoded but did not integrate. Yjs may have applied part of it, and
      // the stored row would fail every later load: replace the rows with a
      // snapshot of what the document now holds.
      this.compact();
      throw new InvalidMessageError('the update could not be applied', { cause: error });
    } finally {
      this.applyingStored = false;
    }
    if (this.uncompacted >= this.compactEvery) this.compact();
  }

  /**
   * Folds every stored update into one snapshot of the document. Returns false
   * (and logs) when the write failed; the rows are still there and the next
   * compaction tries again.
   */
  compact(): boolean {
    if (this.gone) return true;
    const lastUpdateId = this.lastUpdateId;
    try {
      this.store.compact(this.environmentId, Y.encodeStateAsUpdate(this.doc), lastUpdateId);
    } catch (error) {
      const failure = this.storeFailed(error);
      if (failure.reason === 'NOT_FOUND') return true;
      this.logger.error({ err: error, environmentId: this.environmentId }, 'sync: document snapshot failed');
      return false;
    }
    this.uncompacted = 0;
    this.unsaved = false;
    return true;
  }

  destroy(): void {
    this.doc.destroy(); // the awareness destroys itself with its doc
  }

  private onUpdate(update: Uint8Array, origin: unknown): void {
    if (!this.applyingStored && !this.gone) this.storeServerChange(update);
    const message = encodeUpdate(update);
    for (const peer of this.peers.keys()) if (peer !== origin) peer.send(message);
  }

  /**
   * A change made in place by server code (`withDocument`, migrations) is in
   * the document before it can be stored. When its write fails it is still
   * relayed (peers holding a copy can only help) and marked unsaved, so the
   * next snapshot — and unloading, which waits for one — saves it.
   */
  private storeServerChange(update: Uint8Array): void {
    try {
      this.lastUpdateId = this.store.store(this.environmentId, update);
      this.uncompacted++;
    } catch (error) {
      if (this.storeFailed(error).reason === 'NOT_FOUND') return;
      this.unsaved = true;
      this.logger.error({ err: error, environmentId: this.environmentId }, 'sync: storing a server change failed');
      return;
    }
    // Not inside the doc's update event: the transaction is still finishing.
    if (this.uncompacted >= this.compactEvery) queueMicrotask(() => this.compact());
  }

  private onAwareness({ added, updated, removed }: AwarenessChange, origin: unknown): void {
    const clients = this.peers.get(origin as Peer);
    if (clients) {
      for (const id of added) clients.add(id);
      for (const id of removed) clients.delete(id);
    }
    const changed = [...added, ...updated, ...removed];
    const message = encodeAwareness(encodeAwarenessUpdate(this.awareness, changed));
    // To every peer, the sender too: a y-websocket client reconnects when it
    // hears nothing for 30 s, and its own awareness renewal (every 15 s) is
    // what it hears when it is alone in the document.
    for (const peer of this.peers.keys()) peer.send(message);
  }

  /** Classifies a failed write; a deleted environment closes everyone with NOT_FOUND. */
  private storeFailed(error: unknown): StoreFailedError {
    let exists = true;
    try {
      exists = this.store.environmentExists(this.environmentId);
    } catch {
      // The database is failing altogether: report the original error.
    }
    if (exists) return new StoreFailedError('INTERNAL_ERROR', { cause: error });
    if (!this.gone) {
      this.gone = true;
      this.logger.info({ environmentId: this.environmentId }, 'sync: environment deleted; closing its document');
      queueMicrotask(() => this.closeAll('NOT_FOUND'));
    }
    return new StoreFailedError('NOT_FOUND', { cause: error });
  }
}

type AwarenessChange = { added: number[]; updated: number[]; removed: number[] };
