export { createAgentHub, DEFAULT_HUB_OPTIONS, type HubOptions } from './hub';
export { startLocalAgent, LOCAL_NODE_NAME } from './local-agent';
export type * from './types';
