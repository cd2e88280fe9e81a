/**
 * What a commit changes: services added and removed, field-level changes to the others, and
 * edges. Layout is not a change. Arrays (`ports`, `command`, `volumes`…) compare as one
 * value, since an index shifts when an item is removed; objects (`variables`, `resources`,
 * `source`, `healthcheck`) compare per key, giving paths such as `variables.DATABASE_URL`.
 */
import type { DeployableSpec, EdgeSpec, ServiceSpec } from './spec';
import { LAYOUT_FIELDS } from './spec';
import { isPlainObject } from './y-values';

export interface ServiceSummary {
  serviceId: string;
  name: string;
  kind: string;
}

export interface FieldChange {
  path: string;
  /** `undefined` when the field was absent (and so missing once stored as JSON). */
  before: unknown;
  after: unknown;
}

export interface ServiceChange {
  serviceId: string;
  /** The name after the change. */
  name: string;
  changes: FieldChange[];
}

export interface SpecDiff {
  added: ServiceSummary[];
  removed: ServiceSummary[];
  changed: ServiceChange[];
  edges: { added: EdgeSpec[]; removed: EdgeSpec[] };
}

/** For a first commit, pass `emptySpec()` as `before`. Lists are sorted by name. */
export function diff(before: DeployableSpec, after: DeployableSpec): SpecDiff {
  const result: SpecDiff = { added: [], removed: [], changed: [], edges: { added: [], removed: [] } };
  for (const [id, node] of Object.entries(after.services)) {
    const old = before.services[id];
    if (!old) {
      result.added.push(summary(id, node));
      continue;
    }
    const changes = diffNode(old, node);
    if (changes.length) result.changed.push({ serviceId: id, name: node.name, changes });
  }
  for (const [id, node] of Object.entries(before.services)) {
    if (!after.services[id]) result.removed.push(summary(id, node));
  }
  result.edges.added = edgesMissingFrom(after.edges, before.edges);
  result.edges.removed = edgesMissingFrom(before.edges, after.edges);
  for (const list of [result.added, result.removed, result.changed]) list.sort((a, b) => a.name.localeCompare(b.name));
  return result;
}

/** The number the staged-changes badge shows: services added, removed or changed, plus edges. */
export function countChanged(d: SpecDiff): number {
  return d.added.length + d.removed.length + d.changed.length + d.edges.added.length + d.edges.removed.length;
}

export function isEmptyDiff(d: SpecDiff): boolean {
  return countChanged(d) === 0;
}

function summary(serviceId: string, node: ServiceSpec): ServiceSummary {
  return { serviceId, name: node.name, kind: node.kind };
}

function diffNode(before: ServiceSpec, after: ServiceSpec): FieldChange[] {
  const layout = new Set<string>(LAYOUT_FIELDS);
  const changes: FieldChange[] = [];
  for (const key of unionKeys(before, after)) {
    if (!layout.has(key)) diffValue(key, before[key], after[key], changes);
  }
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function diffValue(path: string, before: unknown, after: unknown, out: FieldChange[]): void {
  if (isPlainObject(before) && isPlainObject(after)) {
    for (const key of unionKeys(before, after)) diffValue(`${path}.${key}`, before[key], after[key], out);
  } else if (!deepEqual(before, after)) {
    out.push({ path, before, after });
  }
}

function unionKeys(a: object, b: object): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])];
}

function edgesMissingFrom(edges: EdgeSpec[], other: EdgeSpec[]): EdgeSpec[] {
  const keys = new Set(other.map((e) => `${e.from}\n${e.to}`));
  return edges.filter((e) => !keys.has(`${e.from}\n${e.to}`));
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = unionKeys(a, b);
    return keys.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}
