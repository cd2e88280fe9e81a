/**
 * One open canvas: the environment's Y.Doc synced over y-websocket, the stores derived from
 * it, and the writes a user makes. Every local write carries `origin`, so the per-user
 * UndoManager undoes this user's changes only, never a peer's.
 */
import type { XYPosition } from '@xyflow/react';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import {
  addEdge,
  addService,
  databaseInit,
  moveService,
  removeEdge,
  removeService,
  renameService,
  ROOT,
  suggestName,
  type DatabasePresetId,
  type DeployableSpec,
  type NodeInit,
} from '../../../sync';
import { GraphStore, MOUNT_EDGE_PREFIX } from './graph-store';
import { PresenceStore, type PresenceUser } from './presence-store';
import { Emitter, type Readable } from './store';

export type ConnectionState = 'connecting' | 'live' | 'offline';

export interface ConnectionInfo {
  state: ConnectionState;
  /** Whether the document has been received from the server at least once. */
  loaded: boolean;
  /** Why the server refused the connection, when it will not retry. */
  refused: string | null;
}

/** The endpoint's close codes (server/sync/close-reasons.ts) that y-websocket does not retry. */
const REFUSALS: Record<number, string> = {
  4401: 'Your session has ended. Reload the page to sign in again.',
  4403: 'The server refused this connection.',
  4404: 'This environment no longer exists, or you no longer have access to it.',
  4400: 'The server could not read a change from this browser. Reload the page.',
  4413: 'A change was too large to send. Reload the page.',
};

/** Connecting until the first sync; then live while connected and synced, offline otherwise. */
export class ConnectionStore extends Emitter implements Readable<ConnectionInfo> {
  private info: ConnectionInfo = { state: 'connecting', loaded: false, refused: null };
  private connected = false;

  constructor(private readonly provider: WebsocketProvider) {
    super();
    provider.on('status', this.onStatus);
    provider.on('sync', this.onSync);
    provider.on('connection-close', this.onClose);
  }

  destroy(): void {
    this.provider.off('status', this.onStatus);
    this.provider.off('sync', this.onSync);
    this.provider.off('connection-close', this.onClose);
  }

  get = (): ConnectionInfo => this.info;

  private onStatus = ({ status }: { status: 'connected' | 'disconnected' | 'connecting' }): void => {
    this.connected = status === 'connected';
    // Retries flip between connecting and disconnected: once offline, stay so until synced again.
    if (status === 'disconnected') this.set({ ...this.info, state: 'offline' });
  };

  private onSync = (synced: boolean): void => {
    if (synced && this.connected) {
      if (!this.info.loaded && typeof performance !== 'undefined') performance.mark('canvas:synced');
      this.set({ state: 'live', loaded: true, refused: null });
    }
  };

  private onClose = (event: CloseEvent | null): void => {
    const refused = event ? REFUSALS[event.code] : undefined;
    if (refused) this.set({ ...this.info, state: 'offline', refused });
  };

  private set(info: ConnectionInfo): void {
    if (info.state === this.info.state && info.loaded === this.info.loaded && info.refused === this.info.refused) return;
    this.info = info;
    this.emit();
  }
}

export interface UndoInfo {
  canUndo: boolean;
  canRedo: boolean;
}

class UndoStore extends Emitter implements Readable<UndoInfo> {
  private info: UndoInfo = { canUndo: false, canRedo: false };
  constructor(private readonly manager: Y.UndoManager) {
    super();
    for (const event of ['stack-item-added', 'stack-item-popped', 'stack-cleared'] as const) manager.on(event, this.refresh);
  }
  get = (): UndoInfo => this.info;
  private refresh = (): void => {
    const next = { canUndo: this.manager.canUndo(), canRedo: this.manager.canRedo() };
    if (next.canUndo === this.info.canUndo && next.canRedo === this.info.canRedo) return;
    this.info = next;
    this.emit();
  };
}

export interface CanvasSession {
  doc: Y.Doc;
  /** Transaction origin of this user's writes; give it to anything else that edits the doc. */
  origin: object;
  graph: GraphStore;
  presence: PresenceStore;
  connection: ConnectionStore;
  undo: UndoStore;
  undoManager: Y.UndoManager;
  actions: CanvasActions;
  destroy(): void;
}

export function syncUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/sync`;
}

export function createCanvasSession(opts: {
  environmentId: string;
  user: PresenceUser;
  baseline: DeployableSpec;
  url?: string;
  /** Query parameters of the sync socket, e.g. `{ token }` for a share link's read-only canvas. */
  params?: Record<string, string>;
}): CanvasSession {
  const doc = new Y.Doc();
  const origin = { canvas: opts.user.id };
  // The server is the only relay: no BroadcastChannel, so a viewer's tab can never hand an
  // update to an editor's tab of the same browser.
  const provider = new WebsocketProvider(opts.url ?? syncUrl(window.location), opts.environmentId, doc, { disableBc: true, params: opts.params });
  const undoManager = new Y.UndoManager([doc.getMap(ROOT.services), doc.getMap(ROOT.edges)], {
    trackedOrigins: new Set([origin]),
    captureTimeout: 400,
  });
  const graph = new GraphStore(doc, opts.baseline);
  const presence = new PresenceStore(provider.awareness, opts.user);
  const connection = new ConnectionStore(provider);
  const undo = new UndoStore(undoManager);
  return {
    doc,
    origin,
    graph,
    presence,
    connection,
    undo,
    undoManager,
    actions: createActions(doc, origin, undoManager),
    destroy() {
      presence.destroy();
      connection.destroy();
      graph.destroy();
      undoManager.destroy();
      provider.awareness.setLocalState(null);
      provider.destroy();
      doc.destroy();
    },
  };
}

export type CanvasActions = ReturnType<typeof createActions>;

function createActions(doc: Y.Doc, origin: object, undoManager: Y.UndoManager) {
  /** Each action is its own undo step, not merged with a quick edit before it. */
  const step = <T>(fn: () => T): T => {
    undoManager.stopCapturing();
    const result = fn();
    undoManager.stopCapturing();
    return result;
  };
  return {
    addService(init: { name: string; image: string; position: XYPosition }): string {
      const node: NodeInit = {
        kind: 'service',
        name: init.name,
        source: { type: 'image', image: init.image },
        ports: [],
        replicas: 1,
        position: init.position,
      };
      return step(() => addService(doc, node, origin));
    },
    addDatabase(preset: DatabasePresetId, position: XYPosition): string {
      return step(() => addService(doc, databaseInit(preset, { name: suggestName(doc, preset), position }), origin));
    },
    addVolume(position: XYPosition): string {
      return step(() => addService(doc, { kind: 'volume', name: suggestName(doc, 'volume'), position }, origin));
    },
    suggestName: (base: string) => suggestName(doc, base),
    /** Several nodes moved by one drag step land in one transaction. */
    move(positions: Array<{ id: string; position: XYPosition }>): void {
      doc.transact(() => {
        for (const { id, position } of positions) moveService(doc, id, position, origin);
      }, origin);
    },
    /** A drag is one undo step however long it lasts. */
    endCapture: () => undoManager.stopCapturing(),
    rename: (id: string, name: string) => step(() => renameService(doc, id, name, origin)),
    connect: (from: string, to: string) => step(() => addEdge(doc, { from, to }, origin)),
    remove(nodeIds: string[], edgeIds: string[]): void {
      step(() =>
        doc.transact(() => {
          for (const id of edgeIds) if (!id.startsWith(MOUNT_EDGE_PREFIX)) removeEdge(doc, id, origin);
          for (const id of nodeIds) removeService(doc, id, origin);
        }, origin),
      );
    },
    undo: () => undoManager.undo(),
    redo: () => undoManager.redo(),
  };
}
