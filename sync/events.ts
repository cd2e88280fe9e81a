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
  /** Requested CPUs and memory (MB): what scheduling counts as taken on a node. */
  cpu: 'containr.cpu',
  memoryMb: 'containr.memory-mb',
  /** When the reconciler made the container (epoch ms): of two for one replica, the newest stays. */
  createdAt: 'containr.created-at',
} as const;

// ── Agent connection: `auth: { token }`, refusals, the welcome ─────────────
/** Token kinds, told apart by prefix: a one-use join token, or a node's own token. */
export const AGENT_TOKEN_PREFIX = { join: 'cjoin', node: 'cnode' } as const;

/** The `message` of a `connect_error` when /agent refuses a connection. */
export const AGENT_CONNECT_ERRORS = ['NOT_AUTHENTICATED', 'TOKEN_USED', 'TOKEN_REVOKED', 'TOKEN_EXPIRED'] as const;
export type AgentConnectError = (typeof AGENT_CONNECT_ERRORS)[number];

/** `reason` of a refused acknowledgement on /agent (`hello`, `task`; `UNAVAILABLE`: telemetry the server could not store now, send it again). */
export const AGENT_ACK_REASONS = ['INVALID_MESSAGE', 'FORBIDDEN', 'UNAVAILABLE'] as const;
export type AgentAckReason = (typeof AGENT_ACK_REASONS)[number];

/**
 * Server → agent, first message on every connection: the node id its token
 * belongs to, and after a join, the node token to use from then on.
 */
export const welcomeSchema = z.object({ nodeId: z.string().min(1).max(64), nodeToken: z.string().min(1).max(256).optional() });
export type Welcome = z.infer<typeof welcomeSchema>;

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
export type Heartbeat = z.infer<typeof heartbeatSchema>;

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

// ── Builds from git: what the agent clones, builds and tags ────────────────
/** Base images of the generated Dockerfiles (a self-hoster may point them at a registry mirror). */
export const DEFAULT_BUILD_BASE_IMAGES = {
  node: 'containr/node',
  /** Serves static sites (busybox httpd); also the runtime stage of Go builds. */
  static: 'containr/busybox',
  python: 'python:3-slim',
  go: 'golang:1-alpine',
} as const;

/** Runtimes a build can use: the repository's own Dockerfile, or one Containr generates. */
export const BUILD_RUNTIMES = ['dockerfile', 'node', 'static', 'python', 'go'] as const;
export type BuildRuntime = (typeof BUILD_RUNTIMES)[number];

/** A path inside the repository: relative, no `..` segment, no backslash. */
const repoPathSchema = z
  .string()
  .min(1)
  .max(512)
  .refine((p) => !p.startsWith('/') && !p.includes('\\') && !p.split('/').includes('..'), {
    message: 'must be a relative path inside the repository, without ..',
  });

/** https://, http://, ssh://, git@host:path, file:// or an absolute local path (never an option-like `-…` or `ext::`). */
export const gitRepoUrlSchema = z
  .string()
  .min(1)
  .max(2048)
  .regex(/^(https?:\/\/|ssh:\/\/|file:\/\/|\/|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:)/, {
    message: 'use an https://, ssh://, git@host:path or file:// URL, or an absolute path',
  })
  .refine((u) => !/[\s\0]/.test(u), { message: 'must not contain whitespace' });

export const buildSourceSchema = z.object({
  repo: gitRepoUrlSchema,
  /** Branch or tag. */
  ref: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[^-\s~^:?*[\\][^\s~^:?*[\\]*$/, { message: 'not a valid branch or tag name' }),
  /** The exact commit to build (full or abbreviated sha); absent: the ref's head. */
  commit: z
    .string()
    .regex(/^[0-9a-f]{7,64}$/)
    .optional(),
  rootDir: z.union([z.literal('.'), repoPathSchema]).default('.'),
  /** Relative to rootDir; absent: `Dockerfile` when there is one, else a detected runtime. */
  dockerfilePath: repoPathSchema.optional(),
});
export type BuildSource = z.infer<typeof buildSourceSchema>;

/** Deploy credentials: an HTTPS token (the password; username defaults to x-access-token) or an SSH private key. */
export const buildCredentialsSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('token'), token: z.string().min(1).max(4096), username: z.string().min(1).max(255).optional() }),
  z.object({ kind: z.literal('ssh-key'), privateKey: z.string().min(1).max(16_384) }),
]);
export type BuildCredentials = z.infer<typeof buildCredentialsSchema>;

export const buildBaseImagesSchema = z.object({
  node: z.string().min(1).max(255).default(DEFAULT_BUILD_BASE_IMAGES.node),
  static: z.string().min(1).max(255).default(DEFAULT_BUILD_BASE_IMAGES.static),
  python: z.string().min(1).max(255).default(DEFAULT_BUILD_BASE_IMAGES.python),
  go: z.string().min(1).max(255).default(DEFAULT_BUILD_BASE_IMAGES.go),
});

export const buildTaskSchema = z.object({
  kind: z.literal('build'),
  buildId: z.string().min(1).max(64),
  source: buildSourceSchema,
  credentials: buildCredentialsSchema.optional(),
  /** Image repository without a tag, e.g. containr/<project>/<service>; the agent tags `<tag>:<commit sha>`. */
  tag: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/, {
      message: 'an image repository name in lowercase, without a tag',
    }),
  baseImages: buildBaseImagesSchema.prefault({}),
  /** The whole build: fetch, context, image build. */
  timeoutS: z.number().int().positive().max(6 * 3600),
});
export type BuildTask = z.infer<typeof buildTaskSchema>;

/** What a successful build task returns in `taskResult.build`. */
export const buildResultSchema = z.object({
  /** Full tag, `<tag>:<commit sha>`. */
  image: z.string().min(1),
  /** The full sha that was built. */
  commit: z.string().regex(/^[0-9a-f]{40,64}$/),
  /** The image for this commit (and these build settings) already existed: nothing was built. */
  cached: z.boolean(),
  runtime: z.enum(BUILD_RUNTIMES),
  /** The generated Dockerfile, when the runtime was detected (to show, or to eject into the repository). */
  dockerfile: z.string().optional(),
});
export type BuildResult = z.infer<typeof buildResultSchema>;

/**
 * Beginnings of `error` of a failed build task (the rest explains). A cancelled
 * build fails with "build cancelled".
 */
export const BUILD_ERRORS = {
  unreachable: 'repository unreachable',
  auth: 'authentication failed',
  refNotFound: 'ref not found',
  noRuntime: 'no Dockerfile and no runtime detected',
  dockerfileMissing: 'Dockerfile not found',
  step: 'build step failed',
  timeout: 'build timed out',
  tooLarge: 'repository too large',
  cancelled: 'build cancelled',
} as const;

export const taskSpecSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ensure-network'), network: z.string().min(1), labels: labelsSchema }),
  z.object({ kind: z.literal('remove-network'), network: z.string().min(1) }),
  /** Create (pulling the image when missing) and start; wait healthy when there is a health check. */
  z.object({ kind: z.literal('run'), container: runSpecSchema, waitHealthyS: z.number().positive().max(600) }),
  z.object({ kind: z.literal('stop'), name: z.string().min(1), timeoutS: z.number().int().min(0).max(300) }),
  z.object({ kind: z.literal('remove'), name: z.string().min(1) }),
  z.object({ kind: z.literal('remove-volume'), volume: z.string().min(1) }),
  /** Clone at the commit, build, tag `<tag>:<sha>`; build log lines arrive as task progress (secrets scrubbed). */
  buildTaskSchema,
  /** Abort the running build with this buildId (its task then fails with "build cancelled"); succeeds when there is none. */
  z.object({ kind: z.literal('cancel-build'), buildId: z.string().min(1).max(64) }),
]);
export type TaskSpec = z.infer<typeof taskSpecSchema>;

export const taskSchema = z.object({ id: z.string().min(1).max(64), spec: taskSpecSchema });
export type Task = z.infer<typeof taskSchema>;

export const taskProgressSchema = z.object({ id: z.string().min(1), message: z.string().max(4000), ts: z.number() });
export const taskResultSchema = z.discriminatedUnion('ok', [
  z.object({
    id: z.string().min(1),
    ok: z.literal(true),
    containerId: z.string().optional(),
    /** Build tasks: the image built (or found). */
    build: buildResultSchema.optional(),
    ts: z.number(),
  }),
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

/** `status`: the services of one subscribed environment, sent whenever any of them changes. */
export const liveStatusSchema = z.object({ environmentId: z.string(), services: z.array(serviceStatusSchema) });
export type LiveStatus = z.infer<typeof liveStatusSchema>;

export const DEPLOYMENT_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;

/**
 * `deployment`: a deployment changed status, or the reconciler recorded a step (`event`).
 * Steps taken outside a deployment (drift correction) have `deploymentId: null`.
 */
export const liveDeploymentSchema = z.object({
  environmentId: z.string(),
  deploymentId: z.string().nullable(),
  status: z.enum(DEPLOYMENT_STATUSES).optional(),
  reason: z.string().nullable().optional(),
  event: z
    .object({
      id: z.number(),
      deploymentId: z.string().nullable(),
      serviceId: z.string().nullable(),
      type: z.string(),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).nullable(),
      createdAt: z.union([z.string(), z.date()]),
    })
    .optional(),
});
export type LiveDeployment = z.infer<typeof liveDeploymentSchema>;

/** Why a `subscribe` was refused. */
export const LIVE_REFUSALS = ['INVALID_MESSAGE', 'NOT_AUTHENTICATED', 'NOT_FOUND', 'FORBIDDEN'] as const;
export type LiveRefusal = (typeof LIVE_REFUSALS)[number];

// ── Telemetry: agent → server `logs`, `stats`, `event` (batches, acknowledged) ─
// Each message is one batch and is acknowledged with an Ack once the server has
// stored it; the agent re-sends what was not acknowledged, and the server drops
// what it already has, so a batch counts once however often it arrives.

/** Longest text of one log line, in characters; the agent cuts longer ones (the engine already splits at 16 KiB). */
export const MAX_LOG_LINE = 16_384;
export const LOG_STREAMS = ['stdout', 'stderr'] as const;
export type LogStream = (typeof LOG_STREAMS)[number];

/** Which container a batch entry is about: its id and what its labels say. */
export const containerRefSchema = z.object({
  containerId: z.string().min(1).max(128),
  /** containr.node: the server ignores entries whose node is not the sender. */
  nodeId: z.string().min(1).max(64),
  projectId: z.string().min(1).max(64),
  environmentId: z.string().min(1).max(64),
  serviceId: z.string().min(1).max(64),
  deploymentId: z.string().max(64).nullable(),
});
export type ContainerRef = z.infer<typeof containerRefSchema>;

export const agentLogLineSchema = z.object({
  stream: z.enum(LOG_STREAMS),
  /** The engine's timestamp of the line, epoch microseconds. */
  tsUs: z.number().int().nonnegative(),
  /**
   * 0, 1, 2… among the lines of this container and stream with the same `tsUs`:
   * (stream, tsUs, seq) names a line once. Within a stream, lines come in
   * (tsUs, seq) order; across stdout and stderr the engine may write them slightly out of time order.
   */
  seq: z.number().int().nonnegative(),
  text: z.string().max(MAX_LOG_LINE),
});
export type AgentLogLine = z.infer<typeof agentLogLineSchema>;

/** `logs`: lines per container, in the order the engine wrote them. */
export const agentLogsSchema = z.object({
  containers: z.array(containerRefSchema.extend({ lines: z.array(agentLogLineSchema).min(1).max(10_000) })).max(1_000),
});
export type AgentLogs = z.infer<typeof agentLogsSchema>;

/**
 * One reading of one container. CPU is a percentage of one core (100 = one full
 * core busy; 2 busy cores = 200), averaged since the container's previous sample.
 * Network and block figures are cumulative bytes since the container started.
 */
export const containerSampleSchema = containerRefSchema.extend({
  /** When the agent read it, epoch ms. */
  ts: z.number().int().nonnegative(),
  cpuPercent: z.number().nonnegative(),
  /** Usage minus inactive file cache (what `docker stats` shows). */
  memoryBytes: z.number().int().nonnegative(),
  /** null: no limit (the node's memory applies). */
  memoryLimitBytes: z.number().int().positive().nullable(),
  netRxBytes: z.number().int().nonnegative(),
  netTxBytes: z.number().int().nonnegative(),
  blockReadBytes: z.number().int().nonnegative(),
  blockWriteBytes: z.number().int().nonnegative(),
});
export type ContainerSample = z.infer<typeof containerSampleSchema>;

/** `stats`: the samples of one or more ticks; `dropped` counts samples the agent discarded while the server was unreachable. */
export const agentStatsSchema = z.object({
  samples: z.array(containerSampleSchema).max(20_000),
  dropped: z.number().int().nonnegative().optional(),
});
export type AgentStats = z.infer<typeof agentStatsSchema>;

export const CONTAINER_EVENT_TYPES = ['start', 'die', 'oom', 'health'] as const;
export type ContainerEventType = (typeof CONTAINER_EVENT_TYPES)[number];

export const containerEventSchema = containerRefSchema.extend({
  ts: z.number().int().nonnegative(),
  type: z.enum(CONTAINER_EVENT_TYPES),
  /** `die`: the exit code. */
  exitCode: z.number().int().nullable().optional(),
  /** `health`: the new health status. */
  health: z.enum(['starting', 'healthy', 'unhealthy']).optional(),
});
export type ContainerEvent = z.infer<typeof containerEventSchema>;

/** `event`: engine events about managed containers. */
export const agentEventsSchema = z.object({
  events: z.array(containerEventSchema).max(1_000),
  dropped: z.number().int().nonnegative().optional(),
});
export type AgentEvents = z.infer<typeof agentEventsSchema>;

// ── /live telemetry: `logs`, `metrics`, `events` to the room of an environment ─
// At most one message of each kind per room per tick, however many lines or samples arrived.

/** `system` lines are written by Containr (a container exited, was OOM-killed…), not by the container. */
export const LOG_LINE_STREAMS = ['stdout', 'stderr', 'system'] as const;

export const logLineSchema = z.object({
  /** The stored line's id: the same in the history API, so a client can merge both. */
  id: z.number().int(),
  serviceId: z.string(),
  deploymentId: z.string().nullable(),
  containerId: z.string(),
  stream: z.enum(LOG_LINE_STREAMS),
  /** Epoch ms (the engine's timestamp). */
  ts: z.number(),
  text: z.string(),
});
export type LogLine = z.infer<typeof logLineSchema>;

export const liveLogsSchema = z.object({
  environmentId: z.string(),
  /** Oldest first within each container. */
  lines: z.array(logLineSchema),
  /** Lines of this tick not sent live (a flood over the per-tick cap); they are stored, ask the history API. */
  skipped: z.number().int().nonnegative(),
});
export type LiveLogs = z.infer<typeof liveLogsSchema>;

/** A service's containers added up (CPU: percent of one core; rates: bytes per second). */
export const serviceMetricsSchema = z.object({
  serviceId: z.string(),
  /** Epoch ms of the newest sample counted. */
  ts: z.number(),
  /** Containers with a recent sample. */
  containers: z.number().int(),
  cpuPercent: z.number(),
  memoryBytes: z.number(),
  /** null when a container has no memory limit. */
  memoryLimitBytes: z.number().nullable(),
  netRxBytesPerS: z.number(),
  netTxBytesPerS: z.number(),
  blockReadBytesPerS: z.number(),
  blockWriteBytesPerS: z.number(),
});
export type ServiceMetrics = z.infer<typeof serviceMetricsSchema>;

export const liveMetricsSchema = z.object({ environmentId: z.string(), services: z.array(serviceMetricsSchema) });
export type LiveMetrics = z.infer<typeof liveMetricsSchema>;

export const liveContainerEventSchema = z.object({
  serviceId: z.string(),
  deploymentId: z.string().nullable(),
  containerId: z.string(),
  ts: z.number(),
  type: z.enum(CONTAINER_EVENT_TYPES),
  exitCode: z.number().int().nullable().optional(),
  health: z.enum(['starting', 'healthy', 'unhealthy']).optional(),
});
/** `events`: engine events of the environment's containers (also written to the logs as `system` lines). */
export const liveEventsSchema = z.object({ environmentId: z.string(), events: z.array(liveContainerEventSchema) });
export type LiveEvents = z.infer<typeof liveEventsSchema>;

// ── /live alerts: `alerts` to the room of an environment ────────────────────
/** Who acknowledged an alert: a member (in the app), or the address a mailed link was sent to. */
export const alertAckBySchema = z.object({ userId: z.string().nullable(), name: z.string().nullable(), email: z.string().nullable() });

export const liveAlertSchema = z.object({
  id: z.string(),
  ruleId: z.string().nullable(),
  /** null: about the whole environment (deployment failed, node lost). */
  serviceId: z.string().nullable(),
  /** The rule's condition type: `metric`, `crashed`, `oom`, `crash_loop`, `health_failing`, `deployment_failed`, `node_lost`. */
  kind: z.string(),
  title: z.string(),
  severity: z.enum(['info', 'warning', 'critical']),
  state: z.enum(['firing', 'acknowledged', 'resolved']),
  /** ISO 8601. */
  firedAt: z.string(),
  acknowledgedAt: z.string().nullable(),
  acknowledgedBy: alertAckBySchema.nullable(),
  resolvedAt: z.string().nullable(),
});
export type LiveAlert = z.infer<typeof liveAlertSchema>;

/**
 * `alerts`: alerts of the environment that changed state (fired, acknowledged,
 * resolved). Right after `subscribe`, one message with every open alert
 * (firing or acknowledged) of the environment, so a client starts from the current state.
 */
export const liveAlertsSchema = z.object({ environmentId: z.string(), alerts: z.array(liveAlertSchema) });
export type LiveAlerts = z.infer<typeof liveAlertsSchema>;
