/**
 * Typed reads and writes over an environment's Y.Doc. Yjs merges whatever peers send, so
 * reads validate (`readService` never throws on bad content) and writes trust their types.
 * Every write takes an optional transaction `origin` so a Y.UndoManager can track only
 * local changes (`new Y.UndoManager(roots, { trackedOrigins: new Set([origin]) })`).
 */
import * as Y from 'yjs';
import { issuesFromZod, type Issue } from './issue';
import { renameReferences } from './references';
import { edgesMap, META, metaMap, servicesMap } from './roots';
import {
  canvasNodeSchema,
  CURRENT_SCHEMA_VERSION,
  isRunnable,
  type CanvasNode,
  type DatabaseInit,
  type NodeInit,
  type Position,
  type ServiceInit,
  type VolumeInit,
} from './schema';
import type { Known } from './type-utils';
import { ensureYMap, isPlainObject, toPlain } from './y-values';

export type ReadResult = { ok: true; value: CanvasNode } | { ok: false; raw: unknown; issues: Issue[] };
export type NodeEntry = { id: string } & ReadResult;

type Fields<T> = Omit<Known<T>, 'kind'>;
/** Fields to set; `undefined` deletes a field. `variables` replaces the whole set of variables. */
export type NodePatch = Partial<Fields<ServiceInit> & Fields<DatabaseInit> & Fields<VolumeInit>>;

export interface Edge {
  id: string;
  from: string;
  to: string;
}

export interface DocMeta {
  schemaVersion: number | undefined;
  environmentName: string | undefined;
}

export function initDoc(doc: Y.Doc, init: { environmentName: string }, origin?: unknown): void {
  doc.transact(() => {
    const meta = metaMap(doc);
    // Never lower the version of a document that already has one: it may need migrating.
    if (!meta.has(META.schemaVersion)) meta.set(META.schemaVersion, CURRENT_SCHEMA_VERSION);
    meta.set(META.environmentName, init.environmentName);
  }, origin);
}

export function getMeta(doc: Y.Doc): DocMeta {
  const meta = metaMap(doc);
  const version = meta.get(META.schemaVersion);
  const name = meta.get(META.environmentName);
  return {
    schemaVersion: typeof version === 'number' ? version : undefined,
    environmentName: typeof name === 'string' ? name : undefined,
  };
}

/** `undefined` when there is no node with this id. */
export function readService(doc: Y.Doc, id: string): ReadResult | undefined {
  const services = servicesMap(doc);
  if (!services.has(id)) return undefined;
  return parseNode(id, toPlain(services.get(id)));
}

/** Every node, valid or not, in the document's map order. */
export function getServices(doc: Y.Doc): NodeEntry[] {
  return [...servicesMap(doc).entries()].map(([id, value]) => ({ id, ...parseNode(id, toPlain(value)) }));
}

function parseNode(id: string, raw: unknown): ReadResult {
  const parsed = canvasNodeSchema.safeParse(raw);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, raw, issues: issuesFromZod(id, parsed.error.issues) };
}

export function addService(doc: Y.Doc, init: NodeInit, origin?: unknown): string {
  const id = crypto.randomUUID();
  doc.transact(() => {
    const node = new Y.Map<unknown>();
    servicesMap(doc).set(id, node);
    writeFields(node, init);
    // Created up front: two peers each creating it on their first setVariable would race,
    // and one of them would lose its variable.
    if (isRunnable(init)) ensureYMap(node, 'variables');
  }, origin);
  return id;
}

/** `false` when the node does not exist (a peer may have removed it). */
export function updateService(doc: Y.Doc, id: string, patch: NodePatch, origin?: unknown): boolean {
  return withNode(doc, id, origin, (node) => writeFields(node, patch));
}

export function setVariable(doc: Y.Doc, id: string, name: string, value: string, origin?: unknown): boolean {
  return withNode(doc, id, origin, (node) => ensureYMap(node, 'variables').set(name, value));
}

export function deleteVariable(doc: Y.Doc, id: string, name: string, origin?: unknown): boolean {
  return withNode(doc, id, origin, (node) => ensureYMap(node, 'variables').delete(name));
}

export function moveService(doc: Y.Doc, id: string, position: Position, origin?: unknown): boolean {
  return withNode(doc, id, origin, (node) => node.set('position', { x: position.x, y: position.y }));
}

/**
 * Sets the name and rewrites `${{ old.VAR }}` references in every node's variables, since
 * references go by name and would otherwise break (a database's own URL refers to itself).
 */
export function renameService(doc: Y.Doc, id: string, name: string, origin?: unknown): boolean {
  return withNode(doc, id, origin, (node) => {
    const old = node.get('name');
    node.set('name', name);
    if (typeof old !== 'string' || old === name) return;
    for (const other of servicesMap(doc).values()) {
      if (!(other instanceof Y.Map)) continue;
      const variables = toPlain(other.get('variables'));
      if (!isPlainObject(variables)) continue;
      for (const [key, value] of Object.entries(variables)) {
        if (typeof value !== 'string') continue;
        const next = renameReferences(value, old, name);
        if (next !== value) ensureYMap(other, 'variables').set(key, next);
      }
    }
  });
}

/** Removes the node and every edge that touches it. */
export function removeService(doc: Y.Doc, id: string, origin?: unknown): boolean {
  const services = servicesMap(doc);
  if (!services.has(id)) return false;
  doc.transact(() => {
    services.delete(id);
    const edges = edgesMap(doc);
    for (const [edgeId, edge] of [...edges.entries()]) {
      const ends = edgeEnds(edge);
      if (ends && (ends.from === id || ends.to === id)) edges.delete(edgeId);
    }
  }, origin);
  return true;
}

/** Returns the id of the new edge, or of the existing edge with the same ends. */
export function addEdge(doc: Y.Doc, ends: { from: string; to: string }, origin?: unknown): string {
  const existing = getEdges(doc).find((e) => e.from === ends.from && e.to === ends.to);
  if (existing) return existing.id;
  const id = crypto.randomUUID();
  doc.transact(() => {
    edgesMap(doc).set(id, new Y.Map<unknown>([['from', ends.from], ['to', ends.to]]));
  }, origin);
  return id;
}

export function removeEdge(doc: Y.Doc, edgeId: string, origin?: unknown): boolean {
  const edges = edgesMap(doc);
  if (!edges.has(edgeId)) return false;
  doc.transact(() => edges.delete(edgeId), origin);
  return true;
}

/**
 * Edges whose both ends exist. An edge can outlive its node when one peer adds it while
 * another removes the node; such edges are skipped rather than shown or deployed.
 */
export function getEdges(doc: Y.Doc): Edge[] {
  const services = servicesMap(doc);
  const result: Edge[] = [];
  for (const [id, value] of edgesMap(doc).entries()) {
    const ends = edgeEnds(value);
    if (ends && services.has(ends.from) && services.has(ends.to)) result.push({ id, ...ends });
  }
  return result;
}

/** `base`, or `base-2`, `base-3`… whichever no node uses yet. */
export function suggestName(doc: Y.Doc, base: string): string {
  const taken = new Set<unknown>();
  for (const node of servicesMap(doc).values()) {
    const plain = toPlain(node);
    if (isPlainObject(plain)) taken.add(plain.name);
  }
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

function withNode(doc: Y.Doc, id: string, origin: unknown, write: (node: Y.Map<unknown>) => void): boolean {
  const node = servicesMap(doc).get(id);
  if (!(node instanceof Y.Map)) return false;
  doc.transact(() => write(node), origin);
  return true;
}

function writeFields(node: Y.Map<unknown>, fields: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) node.delete(key);
    else if (key === 'variables' && isPlainObject(value)) syncVariables(ensureYMap(node, 'variables'), value);
    // Cloned because Yjs keeps plain values by reference, and a caller mutating its object
    // later would change the local document without producing an update.
    else node.set(key, structuredClone(value));
  }
}

/** Touches only keys that differ, so a concurrent edit of another variable survives. */
function syncVariables(target: Y.Map<unknown>, next: Record<string, unknown>): void {
  for (const key of [...target.keys()]) if (!(key in next)) target.delete(key);
  for (const [key, value] of Object.entries(next)) if (target.get(key) !== value) target.set(key, value);
}

function edgeEnds(value: unknown): { from: string; to: string } | undefined {
  const plain = toPlain(value);
  if (!isPlainObject(plain)) return undefined;
  const { from, to } = plain;
  return typeof from === 'string' && typeof to === 'string' ? { from, to } : undefined;
}
