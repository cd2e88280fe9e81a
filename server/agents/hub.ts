// The agent hub: the /agent socket.io namespace, the registry of nodes, their
// heartbeats and inventories, and task dispatch. Every payload from an agent
// is parsed with the contract's schemas; a node's identity comes from its
// token, never from what it says.
import type { Namespace, Socket } from 'socket.io';
import type { Db } from '../../db/client';
import type { z } from 'zod';
import {
  agentEventsSchema,
  agentLogsSchema,
  agentStatsSchema,
  heartbeatSchema,
  helloSchema,
  inventorySchema,
  LABELS,
  taskProgressSchema,
  taskResultSchema,
  taskSchema,
  type Ack,
  type AgentAckReason,
  type AgentConnectError,
  type ObservedContainer,
  type Task,
  type Welcome,
} from '../../sync/events';
import type { Audit } from '../audit/service';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import type { Teams } from '../teams/service';
import { createNodeAccess } from './access';
import { createNodeStore, type NodeRow } from './store';
import type {
  AgentHub,
  DispatchResult,
  HubCounters,
  HubEvent,
  NodeInfo,
  TelemetrySender,
  TelemetrySink,
  UndeliveredReason,
} from './types';

export type HubOptions = {
  /** A node without a heartbeat for this long is lost. */
  lostAfterMs: number;
  /** How often heartbeats are checked (real time; the age is measured with the clock). */
  checkEveryMs: number;
  /** A task the agent has not acknowledged within this is sent again. */
  ackTimeoutMs: number;
  /** Malformed messages one connection may send before it is cut. */
  maxMalformed: number;
  /** Heartbeats update the database at most this often (status changes always do). */
  persistHeartbeatEveryMs: number;
};

export const DEFAULT_HUB_OPTIONS: HubOptions = {
  lostAfterMs: 10_000,
  checkEveryMs: 1_000,
  ackTimeoutMs: 10_000,
  maxMalformed: 20,
  persistHeartbeatEveryMs: 5_000,
};

type LiveNode = {
  row: NodeRow;
  socket: Socket | null;
  /** hello accepted on the current socket. */
  greeted: boolean;
  /** Clock time of the last sign of life (hello, heartbeat or telemetry); the server's start counts as one. */
  lastSignalAt: number;
  lastPersistedAt: number;
  containers: ObservedContainer[];
  inventoryJson: string | null;
};

type Pending = {
  nodeId: string;
  task: Task;
  promise: Promise<DispatchResult>;
  resolve(result: DispatchResult): void;
  listeners: Set<(message: string) => void>;
};

type SocketData = { nodeId: string; issuedToken?: string; malformed: number };

export function createAgentHub(deps: {
  db: Db;
  audit: Audit;
  teams: Teams;
  clock: Clock;
  /** Instance admins may add shared nodes (no team). */
  isInstanceAdmin: (userId: string) => boolean;
  /** Receives agents' logs, stats and events; without one they are acknowledged and dropped. */
  telemetry?: TelemetrySink;
  options?: Partial<HubOptions>;
}): AgentHub & { attach(namespace: Namespace, logger: Logger): void } {
  const { audit, clock } = deps;
  const options = { ...DEFAULT_HUB_OPTIONS, ...deps.options };
  const store = createNodeStore(deps.db, clock);
  const access = createNodeAccess({ store, teams: deps.teams, audit, isInstanceAdmin: deps.isInstanceAdmin });
  const counters: HubCounters = { malformedMessages: 0, refusedConnections: 0, impersonations: 0 };
  const listeners = new Map<HubEvent, Set<(nodeId: string) => void>>();
  const pending = new Map<string, Pending>();
  const startedAt = clock.now();
  let namespace: Namespace | null = null;
  let log: Logger | null = null;
  let checker: NodeJS.Timeout | null = null;
  let closed = false;

  // Every node is in memory; a node that was ready before a restart gets the
  // usual grace to reconnect before it is declared lost.
  const live = new Map<string, LiveNode>();
  for (const row of store.allNodes()) live.set(row.id, newLive(row, row.status === 'ready' ? startedAt : 0));

  function newLive(row: NodeRow, lastSignalAt: number): LiveNode {
    return { row, socket: null, greeted: false, lastSignalAt, lastPersistedAt: 0, containers: [], inventoryJson: null };
  }

  function info(node: LiveNode): NodeInfo {
    const { row } = node;
    return {
      id: row.id,
      name: row.name,
      teamId: row.teamId,
      status: row.status,
      connected: node.socket !== null,
      engineVersion: row.engineVersion,
      cpus: row.cpus,
      memoryBytes: row.memoryBytes,
      lastHeartbeatAt: row.lastHeartbeatAt?.getTime() ?? null,
      containers: node.containers,
    };
  }

  function emit(event: HubEvent, nodeId: string) {
    for (const cb of listeners.get(event) ?? []) {
      try {
        cb(nodeId);
      } catch (error) {
        log?.error({ err: error, event, nodeId }, 'agent hub listener failed');
      }
    }
  }

  function update(node: LiveNode, patch: Partial<NodeRow>) {
    node.row = { ...node.row, ...patch };
    store.updateNode(node.row.id, patch);
  }

  // ── status ────────────────────────────────────────────────────────────────
  function markReady(node: LiveNode) {
    if (node.row.status === 'ready') return;
    update(node, { status: 'ready' });
    log?.info({ nodeId: node.row.id, name: node.row.name }, 'node ready');
    emit('node-ready', node.row.id);
  }

  function markLost(node: LiveNode) {
    if (node.row.status === 'lost') return;
    update(node, { status: 'lost' });
    log?.warn({ nodeId: node.row.id, name: node.row.name }, 'node lost: no heartbeat');
    for (const p of [...pending.values()])
      if (p.nodeId === node.row.id) settle(p, undelivered(p.task.id, 'NODE_LOST', 'the node was lost before the task finished'));
    emit('node-lost', node.row.id);
  }

  function checkHeartbeats() {
    const now = clock.now();
    for (const node of live.values()) {
      if (node.row.status === 'ready' && now - node.lastSignalAt > options.lostAfterMs) markLost(node);
    }
  }

  function signal(node: LiveNode) {
    const now = clock.now();
    node.lastSignalAt = now;
    node.row = { ...node.row, lastHeartbeatAt: new Date(now) };
    if (node.row.status === 'lost') {
      update(node, { lastHeartbeatAt: node.row.lastHeartbeatAt });
      node.lastPersistedAt = now;
      markReady(node);
    } else if (now - node.lastPersistedAt >= options.persistHeartbeatEveryMs) {
      store.updateNode(node.row.id, { lastHeartbeatAt: node.row.lastHeartbeatAt });
      node.lastPersistedAt = now;
    }
  }

  // ── tasks ─────────────────────────────────────────────────────────────────
  function key(nodeId: string, taskId: string) {
    return `${nodeId}\u0000${taskId}`;
  }

  function undelivered(id: string, reason: UndeliveredReason, error: string): DispatchResult {
    return { id, ok: false, error, ts: clock.now(), reason };
  }

  function settle(p: Pending, result: DispatchResult) {
    if (pending.get(key(p.nodeId, p.task.id)) !== p) return;
    pending.delete(key(p.nodeId, p.task.id));
    p.resolve(result);
  }

  /** Emits the task on the node's current socket; re-sent on ack timeout while that socket lasts, and on every new hello. */
  function send(p: Pending) {
    const node = live.get(p.nodeId);
    const socket = node?.greeted ? node.socket : null;
    if (!node || !socket) return;
    socket.timeout(options.ackTimeoutMs).emit('task', p.task, (error: Error | null, ack: unknown) => {
      if (pending.get(key(p.nodeId, p.task.id)) !== p) return;
      if (error) {
        if (node.socket === socket && node.greeted) send(p);
        return;
      }
      const a = ack as Ack | undefined;
      if (a && a.ok === false) settle(p, undelivered(p.task.id, 'REFUSED', `the agent refused the task (${String(a.reason)})`));
    });
  }

  // ── connections ───────────────────────────────────────────────────────────
  function refuse(reason: AgentConnectError): Error {
    counters.refusedConnections++;
    return Object.assign(new Error(reason), { data: { reason } });
  }

  function authenticate(socket: Socket, next: (error?: Error) => void) {
    if (closed) return next(refuse('NOT_AUTHENTICATED'));
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || token.length > 256) return next(refuse('NOT_AUTHENTICATED'));
    const result = store.authenticate(token);
    if (!result.ok) {
      log?.info({ reason: result.reason, address: socket.handshake.address }, 'agent connection refused');
      return next(refuse(result.reason));
    }
    if (result.issuedToken) {
      live.set(result.node.id, newLive(result.node, 0));
      audit.record({
        actor: null,
        action: 'node.join',
        target: { type: 'node', id: result.node.id },
        teamId: result.node.teamId,
        details: { joinTokenId: result.joinTokenId, address: socket.handshake.address },
      });
      log?.info({ nodeId: result.node.id, teamId: result.node.teamId }, 'a new node joined');
    }
    const data: SocketData = { nodeId: result.node.id, issuedToken: result.issuedToken, malformed: 0 };
    socket.data = data;
    next();
  }

  function onConnection(socket: Socket) {
    const data = socket.data as SocketData;
    const node = live.get(data.nodeId);
    if (!node) return void socket.disconnect(true);
    // The newest connection wins: the old one may be a socket whose network died unnoticed.
    if (node.socket && node.socket !== socket) {
      log?.info({ nodeId: node.row.id }, 'agent reconnected; closing its previous socket');
      node.socket.disconnect(true);
    }
    node.socket = socket;
    node.greeted = false;
    node.inventoryJson = null;
    const welcome: Welcome = { nodeId: node.row.id, ...(data.issuedToken ? { nodeToken: data.issuedToken } : {}) };
    delete data.issuedToken;
    socket.emit('welcome', welcome);

    const malformed = (event: string, detail: unknown) => {
      counters.malformedMessages++;
      data.malformed++;
      log?.warn({ nodeId: node.row.id, event, detail, count: data.malformed }, 'malformed message from an agent; ignored');
      if (data.malformed >= options.maxMalformed) {
        log?.warn({ nodeId: node.row.id }, 'too many malformed messages; disconnecting the agent');
        socket.disconnect(true);
      }
    };
    const reply = (ack: unknown, value: { ok: true } | { ok: false; reason: AgentAckReason }) => {
      if (typeof ack === 'function') ack(value);
    };
    const current = () => node.socket === socket;

    socket.on('hello', (payload: unknown, ack: unknown) => {
      const hello = helloSchema.safeParse(payload);
      if (!hello.success) {
        malformed('hello', hello.error.issues);
        return reply(ack, { ok: false, reason: 'INVALID_MESSAGE' });
      }
      if (hello.data.nodeId !== node.row.id) {
        counters.impersonations++;
        log?.warn({ nodeId: node.row.id, claimed: hello.data.nodeId }, 'agent claimed another node id; disconnecting');
        reply(ack, { ok: false, reason: 'FORBIDDEN' });
        return void socket.disconnect(true);
      }
      if (!current()) return reply(ack, { ok: false, reason: 'FORBIDDEN' });
      const { name, engineVersion, cpus, memoryBytes } = hello.data;
      update(node, { name, engineVersion, cpus, memoryBytes });
      node.greeted = true;
      signal(node);
      reply(ack, { ok: true });
      for (const p of pending.values()) if (p.nodeId === node.row.id) send(p);
    });

    socket.on('heartbeat', (payload: unknown) => {
      const heartbeat = heartbeatSchema.safeParse(payload);
      if (!heartbeat.success) return malformed('heartbeat', heartbeat.error.issues);
      if (current() && node.greeted) signal(node);
    });

    socket.on('inventory', (payload: unknown) => {
      const inventory = inventorySchema.safeParse(payload);
      if (!inventory.success) return malformed('inventory', inventory.error.issues);
      if (!current() || !node.greeted) return;
      signal(node);
      // Belt and braces: only managed containers ever enter the hub.
      const containers = inventory.data.containers.filter((c) => c.labels[LABELS.managed] === 'true');
      const json = JSON.stringify(containers);
      if (json === node.inventoryJson) return;
      node.containers = containers;
      node.inventoryJson = json;
      emit('inventory', node.row.id);
    });

    socket.on('task:progress', (payload: unknown) => {
      const progress = taskProgressSchema.safeParse(payload);
      if (!progress.success) return malformed('task:progress', progress.error.issues);
      if (current() && node.greeted) signal(node); // a long build sends only progress for minutes
      const p = pending.get(key(node.row.id, progress.data.id));
      for (const cb of p?.listeners ?? []) {
        try {
          cb(progress.data.message);
        } catch (error) {
          log?.error({ err: error, taskId: progress.data.id }, 'task progress listener failed');
        }
      }
    });

    socket.on('task:result', (payload: unknown) => {
      const result = taskResultSchema.safeParse(payload);
      if (!result.success) return malformed('task:result', result.error.issues);
      if (current() && node.greeted) signal(node);
      // Only this node's own tasks: a result for another node's task id is not found here.
      const p = pending.get(key(node.row.id, result.data.id));
      if (p) settle(p, result.data);
    });

    // Telemetry: parsed here like every agent message, handled by the sink, acknowledged once stored.
    const telemetry = <T>(event: string, schema: z.ZodType<T>, handle: ((sender: TelemetrySender, batch: T) => void) | undefined) =>
      socket.on(event, (payload: unknown, ack: unknown) => {
        const parsed = schema.safeParse(payload);
        if (!parsed.success) {
          malformed(event, parsed.error.issues.slice(0, 5));
          return reply(ack, { ok: false, reason: 'INVALID_MESSAGE' });
        }
        if (!current() || !node.greeted) return reply(ack, { ok: false, reason: 'FORBIDDEN' });
        signal(node); // every valid message is a sign of life: a busy agent sends no separate heartbeats
        try {
          handle?.({ nodeId: node.row.id, teamId: node.row.teamId }, parsed.data);
          reply(ack, { ok: true });
        } catch (error) {
          log?.error({ err: error, nodeId: node.row.id, event }, 'cannot store telemetry; the agent will send it again');
          reply(ack, { ok: false, reason: 'UNAVAILABLE' });
        }
      });
    const sink = deps.telemetry;
    telemetry('logs', agentLogsSchema, sink && ((sender, batch) => sink.logs(sender, batch)));
    telemetry('stats', agentStatsSchema, sink && ((sender, batch) => sink.stats(sender, batch)));
    telemetry('event', agentEventsSchema, sink && ((sender, batch) => sink.events(sender, batch)));

    socket.onAny((event: string) => {
      if (!KNOWN_EVENTS.has(event)) malformed(String(event).slice(0, 64), 'unknown event');
    });

    socket.on('disconnect', (reason) => {
      log?.info({ nodeId: node.row.id, reason }, 'agent disconnected');
      if (!current()) return;
      node.socket = null;
      node.greeted = false;
    });
  }

  return {
    attach(nsp: Namespace, logger: Logger) {
      namespace = nsp;
      log = logger;
      nsp.use(authenticate);
      nsp.on('connection', onConnection);
      checker = setInterval(checkHeartbeats, options.checkEveryMs);
      checker.unref();
    },

    nodes: () => [...live.values()].map(info),
    node(id) {
      const node = live.get(id);
      return node && info(node);
    },

    dispatch(nodeId, task, onProgress) {
      const parsed = taskSchema.safeParse(task);
      if (!parsed.success) return Promise.reject(new TypeError(`invalid task: ${parsed.error.message}`));
      const node = live.get(nodeId);
      if (closed) return Promise.resolve(undelivered(task.id, 'CLOSED', 'the server is shutting down'));
      if (!node) return Promise.resolve(undelivered(task.id, 'NODE_UNKNOWN', `no node ${nodeId}`));
      if (node.row.status === 'lost') return Promise.resolve(undelivered(task.id, 'NODE_LOST', `node ${node.row.name} is lost`));
      const existing = pending.get(key(nodeId, task.id));
      if (existing) {
        if (onProgress) existing.listeners.add(onProgress);
        return existing.promise;
      }
      let resolve!: (result: DispatchResult) => void;
      const promise = new Promise<DispatchResult>((r) => (resolve = r));
      const p: Pending = { nodeId, task: parsed.data, promise, resolve, listeners: new Set(onProgress ? [onProgress] : []) };
      pending.set(key(nodeId, task.id), p);
      send(p);
      return promise;
    },

    on(event, cb) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(cb);
      return () => void set.delete(cb);
    },

    createJoinToken: access.createJoinToken,
    revokeJoinToken: access.revokeJoinToken,
    listJoinTokens: access.listJoinTokens,
    listForActor(actor) {
      const teamIds = access.readableTeamIds(actor);
      return [...live.values()]
        .filter((n) => n.row.teamId === null || teamIds.has(n.row.teamId))
        .map(info)
        .sort((a, b) => a.name.localeCompare(b.name));
    },

    registerNode(input) {
      const { node, token } = store.createNode(input);
      live.set(node.id, newLive(node, 0));
      audit.record({
        actor: null,
        action: 'node.register',
        target: { type: 'node', id: node.id },
        teamId: input.teamId,
        details: { name: input.name },
      });
      return { nodeId: node.id, token };
    },
    verifyNodeToken: (nodeId, token) => store.nodeByToken(token)?.id === nodeId,

    counters: () => ({ ...counters }),

    async close() {
      if (closed) return;
      closed = true;
      if (checker) clearInterval(checker);
      for (const p of [...pending.values()]) settle(p, undelivered(p.task.id, 'CLOSED', 'the server is shutting down'));
      namespace?.disconnectSockets(true);
    },
  };
}

const KNOWN_EVENTS = new Set(['hello', 'heartbeat', 'inventory', 'task:progress', 'task:result', 'logs', 'stats', 'event']);
