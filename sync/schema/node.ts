/** Any node of the canvas, told apart by `kind`. */
import { z } from 'zod';
import { databaseSchema, type DatabaseInit, type DatabaseNode } from './database';
import { serviceSchema, type ServiceInit, type ServiceNode } from './service';
import { volumeSchema, type VolumeInit, type VolumeNode } from './volume';

export const canvasNodeSchema = z.discriminatedUnion('kind', [serviceSchema, databaseSchema, volumeSchema]);

export type CanvasNode = ServiceNode | DatabaseNode | VolumeNode;
export type NodeInit = ServiceInit | DatabaseInit | VolumeInit;
export type NodeKind = CanvasNode['kind'];

/** Nodes that run containers (everything but volumes). */
export type RunnableNode = ServiceNode | DatabaseNode;

export function isRunnable<T extends { kind: string }>(node: T): node is Extract<T, { kind: 'service' | 'database' }> {
  return node.kind === 'service' || node.kind === 'database';
}
