// Configuration, parsed once at start. A bad value stops the process with a
// message naming the variable.
import { resolve } from 'node:path';
import { z } from 'zod';

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  CONTAINR_DATA_DIR: z.string().min(1).default('./.containr'),
  CONTAINR_PUBLIC_URL: z.url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CONTAINR_SECURE_COOKIES: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true')),
  CONTAINR_LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).default(5),
  CONTAINR_LOGIN_WINDOW_S: z.coerce.number().int().min(1).default(900),
  RESEND_API_KEY: z.string().min(1).optional(),
  CONTAINR_MAIL_FROM: z.string().min(3).default('Containr <containr@localhost>'),
  // The Resend API's address; tests point it at a local stand-in.
  RESEND_BASE_URL: z.url().optional(),
  // Comma-separated; when unset, the first account created is the instance admin.
  CONTAINR_ADMIN_EMAILS: z
    .string()
    .optional()
    .transform((v) => (v ?? '').split(',').map((e) => e.trim().toLowerCase()).filter(Boolean)),
  CONTAINR_QUOTA_MAX_PROJECTS: z.coerce.number().int().min(1).default(50),
  CONTAINR_QUOTA_MAX_SERVICES: z.coerce.number().int().min(1).default(200),
  CONTAINR_QUOTA_MAX_CPU: z.coerce.number().positive().default(32),
  CONTAINR_QUOTA_MAX_MEMORY_MB: z.coerce.number().int().min(1).default(65536),
  // 'none' serves the API and sockets without the Remix UI (tests and benchmarks that run the real process).
  CONTAINR_UI: z.enum(['remix', 'none']).default('remix'),
  // The built-in agent driving this machine's Docker engine as the shared node 'local'; off in tests by default.
  CONTAINR_LOCAL_AGENT: z.enum(['true', 'false']).optional(),
  // Encrypts secrets at rest: base64 of 32 random bytes. Unset: a key file generated in the data dir.
  CONTAINR_SECRET_KEY: z
    .string()
    .optional()
    .refine((v) => v === undefined || Buffer.from(v.trim(), 'base64').length === 32, 'must be the base64 encoding of 32 random bytes'),
  // The reconciler looks at every environment at least this often (drift correction).
  CONTAINR_RESYNC_S: z.coerce.number().positive().max(30).default(30),
  // After a restart, how long agents get to reconnect before their services are planned.
  CONTAINR_AGENT_GRACE_S: z.coerce.number().min(0).max(120).default(5),
  // Deployed services answer at http://<service>-<environment>.<project-slug>.<domain>.
  CONTAINR_ROUTER_DOMAIN: z.string().regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/, 'a lowercase domain name').default('localhost'),
  // Container logs are kept per service for this many days, and at most this many MB (the oldest go first).
  CONTAINR_LOG_RETENTION_DAYS: z.coerce.number().positive().max(3650).default(7),
  CONTAINR_LOG_MAX_MB_PER_SERVICE: z.coerce.number().positive().max(1_000_000).default(50),
  // Builds from git: how many run at once on one node, when one gives up, and the base images of generated Dockerfiles.
  CONTAINR_BUILD_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  CONTAINR_BUILD_TIMEOUT_S: z.coerce.number().int().min(10).max(6 * 3600).default(900),
  CONTAINR_BUILD_IMAGE_NODE: z.string().min(1).default('containr/node'),
  CONTAINR_BUILD_IMAGE_STATIC: z.string().min(1).default('containr/busybox'),
  CONTAINR_BUILD_IMAGE_PYTHON: z.string().min(1).default('python:3-slim'),
  CONTAINR_BUILD_IMAGE_GO: z.string().min(1).default('golang:1-alpine'),
  // Comment a PR's preview URLs on the forge (needs network access to it and a token); off by default.
  CONTAINR_FORGE_COMMENTS: z.enum(['true', 'false']).default('false'),
  CONTAINR_GITHUB_TOKEN: z.string().min(1).optional(),
  CONTAINR_GITLAB_TOKEN: z.string().min(1).optional(),
  CONTAINR_GITHUB_API_URL: z.url().default('https://api.github.com'),
  CONTAINR_GITLAB_API_URL: z.url().default('https://gitlab.com/api/v4'),
  // A bearer token for Prometheus to scrape GET /metrics with (an instance admin's API token works too).
  CONTAINR_METRICS_TOKEN: z.string().min(16, 'use at least 16 characters').optional(),
  // A preview environment is deleted this long after it is created or last extended, unless asked otherwise.
  CONTAINR_PREVIEW_TTL_HOURS: z.coerce.number().positive().max(720).default(72),
  // How often expired previews are looked for (also once at start).
  CONTAINR_PREVIEW_SWEEP_S: z.coerce.number().positive().max(3600).default(60),
  // Alert webhooks: each attempt waits this long for an answer; a failed delivery is tried this many times in all,
  // waiting the base delay, then twice as long each time (jittered), at most the max.
  CONTAINR_ALERT_WEBHOOK_TIMEOUT_S: z.coerce.number().positive().max(120).default(5),
  CONTAINR_ALERT_WEBHOOK_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(6),
  CONTAINR_ALERT_RETRY_BASE_MS: z.coerce.number().int().min(10).max(600_000).default(1_000),
  CONTAINR_ALERT_RETRY_MAX_S: z.coerce.number().positive().max(86_400).default(300),
  // Links in alert mails acknowledge without signing in for this long.
  CONTAINR_ALERT_ACK_LINK_HOURS: z.coerce.number().positive().max(720).default(72),
});

export type Env = {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  host: string;
  dataDir: string;
  dbFile: string;
  publicUrl: string | undefined;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  secureCookies: boolean;
  login: { maxFailures: number; windowMs: number };
  resendApiKey: string | undefined;
  mailFrom: string;
  resendBaseUrl: string | undefined;
  adminEmails: string[];
  quotaDefaults: { maxProjects: number; maxServices: number; maxCpu: number; maxMemoryMb: number };
  ui: 'remix' | 'none';
  localAgent: boolean;
  secretKey: Buffer | undefined;
  reconcile: { resyncMs: number; startupGraceMs: number };
  routerDomain: string;
  telemetry: { logRetentionDays: number; logMaxMbPerService: number; metricsToken: string | undefined };
  builds: {
    perNode: number;
    timeoutS: number;
    baseImages: { node: string; static: string; python: string; go: string };
    forgeComments: {
      enabled: boolean;
      githubToken: string | undefined;
      gitlabToken: string | undefined;
      githubApiUrl: string;
      gitlabApiUrl: string;
    };
  };
  previews: { ttlHours: number; sweepMs: number };
  alerts: { webhookTimeoutMs: number; webhookAttempts: number; retryBaseMs: number; retryMaxMs: number; ackLinkTtlMs: number };
};

export class EnvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvError';
  }
}

export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  const result = schema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new EnvError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = result.data;
  const dataDir = resolve(e.CONTAINR_DATA_DIR);
  return {
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    dataDir,
    dbFile: resolve(dataDir, 'containr.db'),
    publicUrl: e.CONTAINR_PUBLIC_URL,
    logLevel: e.LOG_LEVEL,
    // Secure cookies need https; default to them only when the public URL is https.
    secureCookies: e.CONTAINR_SECURE_COOKIES ?? e.CONTAINR_PUBLIC_URL?.startsWith('https://') ?? false,
    login: { maxFailures: e.CONTAINR_LOGIN_MAX_FAILURES, windowMs: e.CONTAINR_LOGIN_WINDOW_S * 1000 },
    resendApiKey: e.RESEND_API_KEY,
    mailFrom: e.CONTAINR_MAIL_FROM,
    resendBaseUrl: e.RESEND_BASE_URL,
    adminEmails: e.CONTAINR_ADMIN_EMAILS,
    quotaDefaults: {
      maxProjects: e.CONTAINR_QUOTA_MAX_PROJECTS,
      maxServices: e.CONTAINR_QUOTA_MAX_SERVICES,
      maxCpu: e.CONTAINR_QUOTA_MAX_CPU,
      maxMemoryMb: e.CONTAINR_QUOTA_MAX_MEMORY_MB,
    },
    ui: e.CONTAINR_UI,
    localAgent: (e.CONTAINR_LOCAL_AGENT ?? (e.NODE_ENV === 'test' ? 'false' : 'true')) === 'true',
    secretKey: e.CONTAINR_SECRET_KEY ? Buffer.from(e.CONTAINR_SECRET_KEY.trim(), 'base64') : undefined,
    reconcile: { resyncMs: e.CONTAINR_RESYNC_S * 1000, startupGraceMs: e.CONTAINR_AGENT_GRACE_S * 1000 },
    routerDomain: e.CONTAINR_ROUTER_DOMAIN,
    builds: {
      perNode: e.CONTAINR_BUILD_CONCURRENCY,
      timeoutS: e.CONTAINR_BUILD_TIMEOUT_S,
      baseImages: {
        node: e.CONTAINR_BUILD_IMAGE_NODE,
        static: e.CONTAINR_BUILD_IMAGE_STATIC,
        python: e.CONTAINR_BUILD_IMAGE_PYTHON,
        go: e.CONTAINR_BUILD_IMAGE_GO,
      },
      forgeComments: {
        enabled: e.CONTAINR_FORGE_COMMENTS === 'true',
        githubToken: e.CONTAINR_GITHUB_TOKEN,
        gitlabToken: e.CONTAINR_GITLAB_TOKEN,
        githubApiUrl: e.CONTAINR_GITHUB_API_URL,
        gitlabApiUrl: e.CONTAINR_GITLAB_API_URL,
      },
    },
    telemetry: {
      logRetentionDays: e.CONTAINR_LOG_RETENTION_DAYS,
      logMaxMbPerService: e.CONTAINR_LOG_MAX_MB_PER_SERVICE,
      metricsToken: e.CONTAINR_METRICS_TOKEN,
    },
    previews: { ttlHours: e.CONTAINR_PREVIEW_TTL_HOURS, sweepMs: e.CONTAINR_PREVIEW_SWEEP_S * 1000 },
    alerts: {
      webhookTimeoutMs: e.CONTAINR_ALERT_WEBHOOK_TIMEOUT_S * 1000,
      webhookAttempts: e.CONTAINR_ALERT_WEBHOOK_ATTEMPTS,
      retryBaseMs: e.CONTAINR_ALERT_RETRY_BASE_MS,
      retryMaxMs: e.CONTAINR_ALERT_RETRY_MAX_S * 1000,
      ackLinkTtlMs: e.CONTAINR_ALERT_ACK_LINK_HOURS * 3_600_000,
    },
  };
}
