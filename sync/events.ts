// Socket.io payloads shared by the server, the agent and the browser. Every
// payload crossing a socket is parsed with these schemas at the receiving end.
import { z } from 'zod';

// ── Container labels: how an agent recognises what it manages ──────────────
export const LABELS = {
  managed: 'containr.managed',
  project: 'containr.project',
  environment: 'containr.environment',
  service: 'containr.service',
  deployment: 'containr.deployment',
  node: 'containr.node',
  replica: 'containr.replica',
  /** Hash of the resolved container spec; a different hash means "replace". */
  specHash: 'containr.spec-hash',
} as const;

// ── Agent → server ──────────────────────────────────────────────────────────
export const helloSchema = z.object({
  nodeId: z.string().min(1).max(64),
  name: z.string().min(1).max(128),
  engineVersion: z.string().max(64),
  cpus: z.number().int().positive(),
  memoryBytes: z.number().int().positive(),
  agentVersion: z.string().max(64),
});
export type Hello = z.infer<typeof helloSchema>;

export const containerStateSchema = z.enum(['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead']);
export const healthSchema = z.enum(['starting', 'healthy', 'unhealthy']).nullable();

export const observedContainerSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  image: z.string(),
  labels: z.record(z.string(), z.string()),
  state: containerStateSchema,
  health: healthSchema,
  exitCode: z.number().int().nullable(),
  startedAt: z.string().nullable(),
  /** Published ports: container port → host address (always 127.0.0.1 or a node address). */
  ports: z.array(z.object({ containerPort: z.number().int(), hostIp: z.string(), hostPort: z.number().int() })),
});
export type ObservedContainer = z.infer<typeof observedContainerSchema>;

export const inventorySchema = z.object({ containers: z.array(observedContainerSchema).max(10_000) });
export type Inventory = z.infer<typeof inventorySchema>;

export const heartbeatSchema = z.object({ ts: z.number() });

// ── Tasks: server → agent, acknowledged, re-sent until a result arrives ────
const labelsSchema = z.record(z.string(), z.string());

export const runSpecSchema = z.object({
  name: z.string().min(1).max(128),
  image: z.string().min(1),
  env: z.record(z.string(), z.string()),
  command: z.array(z.string()).optional(),
  labels: labelsSchema,
  network: z.string().min(1),
  /** DNS names on the environment network; the service name first. */
  aliases: z.array(z.string()),
  ports: z.array(z.object({ containerPort: z.number().int().min(1).max(65535), publish: z.boolean() })),
  resources: z.object({ cpu: z.number().positive().optional(), memoryMb: z.number().positive().optional() }),
  restartPolicy: z.enum(['no', 'on-failure', 'always', 'unless-stopped']),
  volumes: z.array(z.object({ name: z.string().min(1), mountPath: z.string().min(1) })),
  healthcheck: z
    .object({
      command: z.array(z.string()).optional(),
      path: z.string().optional(),
      port: z.number().int().optional(),
      intervalS: z.number().positive().optional(),
    })
    .nullable(),
});
export type RunSpec = z.infer<typeof runSpecSchema>;

export const taskSpecSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ensure-network'), network: z.string().min(1), labels: labelsSchema }),
  z.object({ kind: z.literal('remove-network'), network: z.string().min(1) }),
  /** Create (pulling the image when missing) and start; wait healthy when there is a health check. */
  z.object({ kind: z.literal('run'), container: runSpecSchema, waitHealthyS: z.number().positive().max(600) }),
  z.object({ kind: z.literal('stop'), name: z.string().min(1), timeoutS: z.number().int().min(0).max(300) }),
  z.object({ kind: z.literal('remove'), name: z.string().min(1) }),
  z.object({ kind: z.literal('remove-volume'), volume: z.string().min(1) }),
]);
export type TaskSpec = z.infer<typeof taskSpecSchema>;

export const taskSchema = z.object({ id: z.string().min(1).max(64), spec: taskSpecSchema });
export type Task = z.infer<typeof taskSchema>;

export const taskProgressSchema = z.object({ id: z.string().min(1), message: z.string().max(4000), ts: z.number() });
export const taskResultSchema = z.discriminatedUnion('ok', [
  z.object({ id: z.string().min(1), ok: z.literal(true), containerId: z.string().optional(), ts: z.number() }),
  z.object({ id: z.string().min(1), ok: z.literal(false), error: z.string().max(4000), ts: z.number() }),
]);
export type TaskProgress = z.infer<typeof taskProgressSchema>;
export type TaskResult = z.infer<typeof taskResultSchema>;

// ── Acknowledgements, for every socket.io request/response ─────────────────
export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; reason: string };

// ── /live: browser subscriptions and what the server pushes ────────────────
export const subscribeSchema = z.object({ environmentId: z.string().min(1).max(64) });

export const SERVICE_STATES = ['queued', 'building', 'deploying', 'running', 'unhealthy', 'crashed', 'stopped'] as const;
export type ServiceState = (typeof SERVICE_STATES)[number];

export const serviceStatusSchema = z.object({
  serviceId: z.string(),
  name: z.string(),
  state: z.enum(SERVICE_STATES),
  replicas: z.object({ desired: z.number().int(), running: z.number().int() }),
  url: z.string().nullable(),
  nodes: z.array(z.string()),
});
export type ServiceStatus = z.infer<typeof serviceStatusSchema>;
