/**
 * The `database` node: a service made from a preset (see `../presets.ts`). It has every
 * service field, so the reconciler deploys it like any service; `preset` lets the canvas
 * pick an icon and offer connection variables.
 */
import { z } from 'zod';
import { serviceFields } from './service';

export const databaseSchema = z.looseObject({
  kind: z.literal('database'),
  preset: z.string().optional(),
  ...serviceFields,
});

export type DatabaseNode = z.output<typeof databaseSchema>;
export type DatabaseInit = z.input<typeof databaseSchema>;
