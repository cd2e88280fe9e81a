/** The `service` node: one container image or git build, with its ports, variables and runtime settings. */
import type * as Y from 'yjs';
import { z } from 'zod';
import { ensureYMap, isPlainObject, toPlain } from '../y-values';
import {
  defaultPosition,
  healthcheckSchema,
  portSchema,
  positionSchema,
  resourcesSchema,
  sourceSchema,
  volumeMountSchema,
} from './fields';
import { createMigrationIds, type Migration } from './migration';

/** Shared with `database`, which is a service created from a preset. */
export const serviceFields = {
  name: z.string(),
  // Optional here so a node whose source is not chosen yet still renders; commit requires it.
  source: sourceSchema.optional(),
  ports: z.array(portSchema).default(() => []),
  command: z.array(z.string()).optional(),
  variables: z.record(z.string(), z.string()).default(() => ({})),
  secretNames: z.array(z.string()).default(() => []),
  replicas: z.number().default(1),
  resources: resourcesSchema.optional(),
  healthcheck: healthcheckSchema.optional(),
  volumes: z.array(volumeMountSchema).default(() => []),
  position: positionSchema.default(defaultPosition),
};

export const serviceSchema = z.looseObject({ kind: z.literal('service'), ...serviceFields });

export type ServiceNode = z.output<typeof serviceSchema>;
export type ServiceInit = z.input<typeof serviceSchema>;

export const serviceMigrationIds = createMigrationIds('com.containr.service', {
  RenameEnvToVariables: 2,
  PortsAsObjects: 3,
});

const SERVICE_KINDS = ['service', 'database'] as const;

export const serviceMigrations: readonly Migration[] = [
  {
    id: serviceMigrationIds.RenameEnvToVariables,
    version: 2,
    kinds: SERVICE_KINDS,
    up(node) {
      const env = toPlain(node.get('env'));
      if (env === undefined) return;
      const variables = ensureYMap(node, 'variables');
      if (isPlainObject(env)) copyMissing(env, variables);
      node.delete('env');
    },
  },
  {
    id: serviceMigrationIds.PortsAsObjects,
    version: 3,
    kinds: SERVICE_KINDS,
    up(node) {
      const ports = toPlain(node.get('ports'));
      if (!Array.isArray(ports) || !ports.some((p) => typeof p === 'number')) return;
      node.set(
        'ports',
        ports.map((p: unknown) => (typeof p === 'number' ? { port: p } : p)),
      );
    },
  },
];

/** Variables set under the new name win over the old `env`, which may be stale. */
function copyMissing(from: Record<string, unknown>, to: Y.Map<unknown>) {
  for (const [key, value] of Object.entries(from)) {
    if (to.has(key)) continue;
    to.set(key, typeof value === 'string' ? value : JSON.stringify(value));
  }
}
