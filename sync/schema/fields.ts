/**
 * Field schemas shared by the node kinds. They check shapes only; value rules (DNS names,
 * port ranges, references) live in `validate.ts` so a half-filled node on the canvas still
 * reads as valid and can be rendered and edited.
 *
 * Objects are loose: a newer client may add fields, and an older reader must keep them.
 */
import { z } from 'zod';

export const imageSourceSchema = z.looseObject({
  type: z.literal('image'),
  image: z.string(),
});

export const gitSourceSchema = z.looseObject({
  type: z.literal('git'),
  repo: z.string(),
  /** The branch (or tag) the service tracks: pushes to it build and deploy. */
  branch: z.string(),
  /** The root directory of the build inside the repository (default: its top). */
  path: z.string().optional(),
  /** The Dockerfile, relative to `path`; absent: `Dockerfile` when there is one, else a detected runtime. */
  dockerfile: z.string().optional(),
  /** The exact commit to deploy (a push webhook sets it); absent: the branch's head at build time. */
  commit: z.string().optional(),
  /** Whether a push to `branch` builds and deploys at once (default true); false: the push waits as a staged change. */
  autoDeploy: z.boolean().optional(),
  /** Name of the environment secret holding the deploy credentials: an HTTPS token, or an SSH private key. */
  credentials: z.string().optional(),
});

export const sourceSchema = z.discriminatedUnion('type', [imageSourceSchema, gitSourceSchema]);

export const portSchema = z.looseObject({
  port: z.number(),
  public: z.boolean().optional(),
});

export const resourcesSchema = z.looseObject({
  cpu: z.number().optional(),
  memoryMb: z.number().optional(),
});

export const healthcheckSchema = z.looseObject({
  path: z.string().optional(),
  port: z.number().optional(),
  command: z.array(z.string()).optional(),
  intervalS: z.number().optional(),
});

export const volumeMountSchema = z.looseObject({
  name: z.string(),
  mountPath: z.string(),
});

export const positionSchema = z.looseObject({
  x: z.number(),
  y: z.number(),
});

/** Missing position is not worth hiding a node over: it renders at the origin. */
export const defaultPosition = () => ({ x: 0, y: 0 });

export type Source = z.output<typeof sourceSchema>;
export type Port = z.output<typeof portSchema>;
export type Resources = z.output<typeof resourcesSchema>;
export type Healthcheck = z.output<typeof healthcheckSchema>;
export type VolumeMount = z.output<typeof volumeMountSchema>;
export type Position = z.output<typeof positionSchema>;
