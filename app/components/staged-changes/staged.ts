/** What the canvas holds that the last deploy did not: sync's `diff`, plus nodes that cannot be read. */
import type * as Y from 'yjs';
import { countChanged, diff, readService, toSpec, type DeployableSpec, type Issue, type SpecDiff } from '../../../sync';

export interface UnreadableNode {
  serviceId: string;
  name: string;
  /** Not in the last deploy. */
  isNew: boolean;
  issues: Issue[];
}

export interface Staged {
  /** The document's deployable spec now. */
  spec: DeployableSpec;
  /** Nodes that are on the canvas but unreadable are not listed as removed: see `unreadable`. */
  diff: SpecDiff;
  unreadable: UnreadableNode[];
  /** Services added, removed, changed or unreadable, plus edges added or removed. */
  count: number;
  /** A name for any service id in the document or the baseline, for edges. */
  nameOf: (serviceId: string) => string;
}

/** `current` is `toSpec(doc)`, when the caller has it already. */
export function stagedChanges(doc: Y.Doc, baseline: DeployableSpec, current = toSpec(doc)): Staged {
  const { spec, issues: readIssues } = current;
  const d = diff(baseline, spec);

  // toSpec leaves unreadable nodes out, and diff would call them removed.
  const byNode = new Map<string, Issue[]>();
  for (const issue of readIssues) byNode.set(issue.serviceId, [...(byNode.get(issue.serviceId) ?? []), issue]);
  const unreadable = [...byNode].map(([serviceId, issues]) => ({
    serviceId,
    name: rawName(doc, serviceId) ?? baseline.services[serviceId]?.name ?? '',
    isNew: !baseline.services[serviceId],
    issues,
  }));
  d.removed = d.removed.filter((s) => !byNode.has(s.serviceId));

  const unreadableNames = new Map(unreadable.map((u) => [u.serviceId, u.name]));
  return {
    spec,
    diff: d,
    unreadable,
    count: countChanged(d) + unreadable.length,
    nameOf: (id) => spec.services[id]?.name ?? unreadableNames.get(id) ?? baseline.services[id]?.name ?? id,
  };
}

function rawName(doc: Y.Doc, serviceId: string): string | undefined {
  const read = readService(doc, serviceId);
  if (!read || read.ok) return read?.value.name;
  const raw = read.raw;
  return typeof raw === 'object' && raw !== null && 'name' in raw && typeof raw.name === 'string'
    ? raw.name
    : undefined;
}
