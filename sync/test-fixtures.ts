/** Builders shared by the tests of this folder. */
import * as Y from 'yjs';
import type { DeployableSpec, RunnableSpec, ServiceSpec } from './spec';

export function service(name: string, fields: Partial<RunnableSpec> = {}): RunnableSpec {
  return {
    kind: 'service',
    name,
    source: { type: 'image', image: 'nginx:1.27' },
    ports: [],
    variables: {},
    secretNames: [],
    replicas: 1,
    volumes: [],
    ...fields,
  } as RunnableSpec;
}

/** A spec whose service ids are the names, which keeps assertions readable. */
export function specOf(nodes: ServiceSpec[], edges: DeployableSpec['edges'] = []): DeployableSpec {
  return { services: Object.fromEntries(nodes.map((n) => [n.name, n])), edges };
}

/** Exchanges what each document is missing, as two connected peers would. */
export function syncDocs(a: Y.Doc, b: Y.Doc): void {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
}

/** A plain node as an older version would have written it, bypassing the typed writers. */
export function putRawNode(doc: Y.Doc, id: string, fields: Record<string, unknown>): Y.Map<unknown> {
  const node = new Y.Map<unknown>(Object.entries(fields));
  doc.getMap<unknown>('services').set(id, node);
  return node;
}
