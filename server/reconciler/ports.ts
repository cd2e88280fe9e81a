// What the reconciler needs from the agent hub (server/agents/): the nodes with
// their inventories, task dispatch and node events. A narrow view, so tests
// can hand the planner and executors a fake hub.
import type { AgentHub } from '../agents';

export type { NodeInfo, DispatchResult, HubEvent } from '../agents';

export type HubPort = Pick<AgentHub, 'nodes' | 'dispatch' | 'on'>;
