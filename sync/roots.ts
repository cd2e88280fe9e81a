/** The root types of an environment's Y.Doc; every reader and writer goes through these. */
import type * as Y from 'yjs';

export const ROOT = { services: 'services', edges: 'edges', meta: 'meta' } as const;
export const META = { schemaVersion: 'schemaVersion', environmentName: 'environmentName' } as const;

export const servicesMap = (doc: Y.Doc) => doc.getMap<unknown>(ROOT.services);
export const edgesMap = (doc: Y.Doc) => doc.getMap<unknown>(ROOT.edges);
export const metaMap = (doc: Y.Doc) => doc.getMap<unknown>(ROOT.meta);
