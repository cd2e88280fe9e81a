/** The canvas document model, shared by the app, the server and the agent. */
export * from './schema';
export * from './issue';
export { ROOT, META } from './roots';
export * from './doc';
export * from './spec';
export * from './validate';
export * from './references';
export { dependencies, findCycles, deployOrder } from './graph';
export * from './diff';
export * from './presets';
export type { Known, Without } from './type-utils';
export * from './events';
