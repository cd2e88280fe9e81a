// The hub's public shape: what the reconciler, the API and the UI loaders use.
import type { NodeStatus } from '../../db/schema';
import type { AgentEvents, AgentLogs, AgentStats, ObservedContainer, Task, TaskResult } from '../../sync/events';
import type { Actor } from '../audit/service';

export type NodeInfo = {
  id: string;
  name: string;
  /** null: a shared node of the whole instance. */
  teamId: string | null;
  status: NodeStatus;
  /** An agent socket is open (a ready node may be briefly disconnected). */
  connected: boolean;
  engineVersion: string | null;
  cpus: number | null;
  memoryBytes: number | null;
  /** Epoch ms of the last heartbeat, or null before the first. */
  lastHeartbeatAt: number | null;
  /** The last inventory: managed containers only. */
  containers: ObservedContainer[];
};

/** Why a task never reached a result on its node: the reconciler reschedules on NODE_LOST. */
export type UndeliveredReason = 'NODE_UNKNOWN' | 'NODE_LOST' | 'REFUSED' | 'CLOSED';

export type TaskFailure = Extract<TaskResult, { ok: false }>;
/** What `dispatch` resolves with: the agent's result, or a failure the hub made up (with `reason`). */
export type DispatchResult = TaskResult | (TaskFailure & { reason: UndeliveredReason });

export type HubEvent = 'inventory' | 'node-lost' | 'node-ready';

export type JoinTokenCreated = { id: string; token: string; teamId: string | null; expiresAt: Date };

export type JoinTokenSummary = {
  id: string;
  teamId: string | null;
  createdBy: string | null;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
};

export type HubCounters = { malformedMessages: number; refusedConnections: number; impersonations: number };

export type AgentHub = {
  /** Every node this instance knows, with its live state. */
  nodes(): NodeInfo[];
  node(id: string): NodeInfo | undefined;
  /**
   * Sends a task to a node and resolves with its one result. The task is
   * acknowledged by the agent and re-sent after a reconnection until a result
   * arrives; the agent runs each task id once. Never rejects for delivery
   * problems: an unknown or lost node (also one lost while waiting) resolves a
   * failure with `reason`. Rejects only for a task that fails the schema.
   */
  dispatch(nodeId: string, task: Task, onProgress?: (message: string) => void): Promise<DispatchResult>;
  /** Subscribes to node events; returns the unsubscribe function. */
  on(event: HubEvent, cb: (nodeId: string) => void): () => void;

  /**
   * A one-use join token: for a team's node (its owners and admins may ask), or
   * for a shared node (teamId null: instance admins, or actor null for the instance itself).
   */
  createJoinToken(actor: Actor | null, teamId: string | null): JoinTokenCreated;
  revokeJoinToken(actor: Actor, id: string): void;
  listJoinTokens(actor: Actor): JoinTokenSummary[];
  /** Nodes of the actor's teams and the shared ones. */
  listForActor(actor: Actor): NodeInfo[];
  /** Registers a node directly (no join token): the server's own local agent. */
  registerNode(input: { name: string; teamId: string | null }): { nodeId: string; token: string };
  /** Whether a node token is valid and belongs to that node. */
  verifyNodeToken(nodeId: string, token: string): boolean;

  counters(): HubCounters;
  close(): Promise<void>;
};

/** The node a telemetry batch came from (known from its token, not from what it says). */
export type TelemetrySender = { nodeId: string; teamId: string | null };

/**
 * Where the hub hands agents' `logs`, `stats` and `event` batches once they
 * pass the schema. A handler that throws makes the hub answer UNAVAILABLE, and
 * the agent sends the batch again.
 */
export type TelemetrySink = {
  logs(sender: TelemetrySender, batch: AgentLogs): void;
  stats(sender: TelemetrySender, batch: AgentStats): void;
  events(sender: TelemetrySender, batch: AgentEvents): void;
};
