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
  branch: z.string(),
  path: z.string().optional(),
  dockerfile: z.string().optional(),
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
