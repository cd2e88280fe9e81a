/**
 * The deployable content of a document: what a commit stores and the reconciler deploys.
 * Layout is left out, so moving a node is never a change to deploy.
 */
import type * as Y from 'yjs';
import { getEdges, getServices } from './doc';
import type { Issue } from './issue';
import type { CanvasNode, DatabaseNode, ServiceNode, VolumeNode } from './schema';
import type { Without } from './type-utils';

/** Fields of a node that only place it on the canvas. */
export const LAYOUT_FIELDS = ['position'] as const;
type Layout = (typeof LAYOUT_FIELDS)[number];

/** Any node of the `services` map as deployed. Unknown fields from newer clients are kept. */
export type ServiceSpec = Without<ServiceNode, Layout> | Without<DatabaseNode, Layout> | Without<VolumeNode, Layout>;
/** The nodes that run containers. */
export type RunnableSpec = Extract<ServiceSpec, { kind: 'service' | 'database' }>;

export interface EdgeSpec {
  from: string;
  to: string;
}

export interface DeployableSpec {
  /** By service id. */
  services: Record<string, ServiceSpec>;
  /** Sorted by `from`, then `to`; no duplicates. */
  edges: EdgeSpec[];
}

export function emptySpec(): DeployableSpec {
  return { services: {}, edges: [] };
}

/**
 * Nodes that fail the schema are left out of `spec` and reported in `issues` instead; a
 * commit must refuse a document with any. Edges are kept when both ends are in the
 * document, even if an end is invalid, so `validate` still sees the dependency.
 */
export function toSpec(doc: Y.Doc): { spec: DeployableSpec; issues: Issue[] } {
  const spec = emptySpec();
  const issues: Issue[] = [];
  for (const entry of getServices(doc)) {
    if (entry.ok) spec.services[entry.id] = withoutLayout(entry.value);
    else issues.push(...entry.issues);
  }
  const seen = new Set<string>();
  for (const { from, to } of getEdges(doc)) {
    const key = JSON.stringify([from, to]);
    if (seen.has(key)) continue;
    seen.add(key);
    spec.edges.push({ from, to });
  }
  spec.edges.sort((a, b) => compare(a.from, b.from) || compare(a.to, b.to));
  return { spec, issues };
}

export function withoutLayout(node: CanvasNode): ServiceSpec {
  const copy: Record<string, unknown> = { ...node };
  for (const field of LAYOUT_FIELDS) delete copy[field];
  return copy as ServiceSpec; // the same node minus fields that its type already omits
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
