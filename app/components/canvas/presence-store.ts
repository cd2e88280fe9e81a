/**
 * Who else is on the canvas, from y-websocket awareness. Awareness states come from peers
 * and are parsed, never trusted. Consumers read separate slices — people (avatars), cursors,
 * and per-node presence (halos, "is editing") — so a cursor move re-renders the cursor layer
 * only, and a selection change re-renders only the nodes whose halos changed.
 */
import type { Awareness } from 'y-protocols/awareness';
import { userColor } from '../ui';

export interface PresenceUser {
  id: string;
  name: string;
  color: string;
}

export interface Point {
  x: number;
  y: number;
}

/** The centre of what a user sees, in flow coordinates, and their zoom. */
export interface ViewportCenter {
  x: number;
  y: number;
  zoom: number;
}

/** What this client publishes. */
export interface LocalPresence {
  user: PresenceUser;
  cursor: Point | null;
  selection: string[];
  editing: string | null;
  viewport?: ViewportCenter;
}

export interface Peer {
  clientId: number;
  user: PresenceUser;
  cursor: Point | null;
  selection: string[];
  editing: string | null;
  viewport: ViewportCenter | null;
  idle: boolean;
}

export interface Person {
  user: PresenceUser;
  /** The client to follow: the most recently active of this user's tabs. */
  clientId: number;
  idle: boolean;
  self: boolean;
}

export interface NodePresence {
  selectedBy: PresenceUser[];
  editingBy: PresenceUser[];
}

export const IDLE_AFTER_MS = 60_000;
const NOBODY: NodePresence = { selectedBy: [], editingBy: [] };

type Tracked = Peer & { lastActive: number };

export class PresenceStore {
  private peers = new Map<number, Tracked>();
  private byNode = new Map<string, NodePresence>();
  private people: Person[] = [];
  private cursors: Peer[] = [];
  private readonly peopleEvents = new Channel();
  private readonly cursorEvents = new Channel();
  private readonly nodeEvents = new Map<string, Channel>();
  private idleTimer: ReturnType<typeof setInterval>;

  constructor(
    private readonly awareness: Awareness,
    private readonly self: PresenceUser,
    private readonly now: () => number = Date.now,
  ) {
    awareness.setLocalState({ user: self, cursor: null, selection: [], editing: null } satisfies LocalPresence);
    awareness.on('change', this.onChange);
    this.readAll(awareness.getStates().keys());
    // Idle is "no change for a minute": re-check now and then, since silence sends nothing.
    this.idleTimer = setInterval(() => this.refreshPeople(), 5_000);
  }

  destroy(): void {
    clearInterval(this.idleTimer);
    this.awareness.off('change', this.onChange);
  }

  // ── what this client publishes ─────────────────────────────────────────────────────────

  setCursor(cursor: Point | null): void {
    this.setField('cursor', cursor ? { x: round(cursor.x), y: round(cursor.y) } : null);
  }

  setSelection(selection: string[]): void {
    this.setField('selection', selection);
  }

  setEditing(serviceId: string | null): void {
    this.setField('editing', serviceId);
  }

  setViewport(viewport: ViewportCenter): void {
    this.setField('viewport', { x: round(viewport.x), y: round(viewport.y), zoom: Math.round(viewport.zoom * 1000) / 1000 });
  }

  private setField<K extends keyof LocalPresence>(key: K, value: LocalPresence[K]): void {
    if (this.awareness.getLocalState() === null) return; // destroyed
    this.awareness.setLocalStateField(key, value);
  }

  // ── slices ──────────────────────────────────────────────────────────────────────────────

  readonly peopleStore = { subscribe: this.peopleEvents.subscribe, get: () => this.people };
  readonly cursorStore = { subscribe: this.cursorEvents.subscribe, get: () => this.cursors };

  peer(clientId: number): Peer | undefined {
    return this.peers.get(clientId);
  }

  /** Fires on any change of any peer (used to follow one). */
  subscribePeers = (listener: () => void): (() => void) => this.cursorEvents.subscribe(listener);

  nodeStore(id: string) {
    return {
      subscribe: (listener: () => void) => {
        let channel = this.nodeEvents.get(id);
        if (!channel) this.nodeEvents.set(id, (channel = new Channel()));
        const off = channel.subscribe(listener);
        return () => {
          off();
          if (channel.size === 0) this.nodeEvents.delete(id);
        };
      },
      get: () => this.byNode.get(id) ?? NOBODY,
    };
  }

  // ── awareness ───────────────────────────────────────────────────────────────────────────

  private onChange = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }): void => {
    const self = this.awareness.clientID;
    // This client's own changes (its cursor, its viewport while panning) concern no one here.
    if (![...added, ...updated, ...removed].some((id) => id !== self)) return;
    for (const id of removed) this.peers.delete(id);
    this.readAll([...added, ...updated]);
  };

  private readAll(clientIds: Iterable<number>): void {
    const states = this.awareness.getStates();
    for (const clientId of clientIds) {
      if (clientId === this.awareness.clientID) continue;
      const peer = parsePeer(clientId, states.get(clientId));
      if (peer) this.peers.set(clientId, { ...peer, lastActive: this.now() });
      else this.peers.delete(clientId);
    }
    this.refreshPeople();
    this.refreshNodes();
    this.cursors = [...this.peers.values()].filter((p) => p.cursor !== null);
    this.cursorEvents.emit();
  }

  private refreshPeople(): void {
    const now = this.now();
    for (const peer of this.peers.values()) peer.idle = now - peer.lastActive > IDLE_AFTER_MS;
    const byUser = new Map<string, Person>();
    const ordered = [...this.peers.values()].sort((a, b) => b.lastActive - a.lastActive);
    for (const peer of ordered) {
      const known = byUser.get(peer.user.id);
      if (known) known.idle &&= peer.idle;
      else byUser.set(peer.user.id, { user: peer.user, clientId: peer.clientId, idle: peer.idle, self: peer.user.id === this.self.id });
    }
    const next = [...byUser.values()].sort((a, b) => a.user.name.localeCompare(b.user.name) || a.user.id.localeCompare(b.user.id));
    const key = (list: Person[]) => list.map((p) => `${p.user.id}:${p.user.name}:${p.clientId}:${p.idle}`).join('|');
    if (key(next) === key(this.people)) return;
    this.people = next;
    this.peopleEvents.emit();
  }

  private refreshNodes(): void {
    const next = new Map<string, NodePresence>();
    const entry = (id: string) => {
      let e = next.get(id);
      if (!e) next.set(id, (e = { selectedBy: [], editingBy: [] }));
      return e;
    };
    for (const peer of this.peers.values()) {
      for (const id of peer.selection) if (!entry(id).selectedBy.some((u) => u.id === peer.user.id)) entry(id).selectedBy.push(peer.user);
      if (peer.editing && !entry(peer.editing).editingBy.some((u) => u.id === peer.user.id)) entry(peer.editing).editingBy.push(peer.user);
    }
    const changed: string[] = [];
    for (const id of new Set([...next.keys(), ...this.byNode.keys()])) {
      const a = this.byNode.get(id);
      const b = next.get(id);
      if (a && b && sameUsers(a.selectedBy, b.selectedBy) && sameUsers(a.editingBy, b.editingBy)) next.set(id, a);
      else changed.push(id);
    }
    this.byNode = next;
    for (const id of changed) this.nodeEvents.get(id)?.emit();
  }
}

class Channel {
  private listeners = new Set<() => void>();
  get size() {
    return this.listeners.size;
  }
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
  emit(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

function sameUsers(a: PresenceUser[], b: PresenceUser[]): boolean {
  return a.length === b.length && a.every((u, i) => u.id === b[i].id && u.name === b[i].name);
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function finite(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function point(value: unknown): Point | null {
  const p = record(value);
  return p && finite(p.x) && finite(p.y) ? { x: p.x, y: p.y } : null;
}

/** A peer's awareness state, or null when it has no usable user. */
export function parsePeer(clientId: number, state: unknown): Peer | null {
  const s = record(state);
  const user = record(s?.user);
  if (!s || !user || typeof user.id !== 'string' || user.id === '') return null;
  const name = typeof user.name === 'string' && user.name.trim() !== '' ? user.name.trim().slice(0, 60) : 'Someone';
  const viewport = record(s.viewport);
  return {
    clientId,
    // Colours are derived here, not taken from the peer: the same user looks the same to everyone.
    user: { id: user.id, name, color: userColor(user.id) },
    cursor: point(s.cursor),
    selection: Array.isArray(s.selection) ? s.selection.filter((v): v is string => typeof v === 'string').slice(0, 1000) : [],
    editing: typeof s.editing === 'string' ? s.editing : null,
    viewport:
      viewport && finite(viewport.x) && finite(viewport.y) && finite(viewport.zoom) && viewport.zoom > 0
        ? { x: viewport.x, y: viewport.y, zoom: viewport.zoom }
        : null,
    idle: false,
  };
}
