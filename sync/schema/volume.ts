/** The `volume` node: a named persistent volume that services mount by `name`. */
import { z } from 'zod';
import { defaultPosition, positionSchema } from './fields';

export const volumeSchema = z.looseObject({
  kind: z.literal('volume'),
  name: z.string(),
  sizeMb: z.number().optional(),
  position: positionSchema.default(defaultPosition),
});

export type VolumeNode = z.output<typeof volumeSchema>;
export type VolumeInit = z.input<typeof volumeSchema>;
