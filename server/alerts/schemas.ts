// Request schemas of the alerts API (rules, channels, alert queries), pure zod
// so the UI's actions can validate with the same rules. The wire shapes are
// documented in docs/api.md, section "Alerts".
import { z } from 'zod';

const id = z.string().min(1).max(64);

/** Per-service figures a metric rule can watch (a service's containers added up). */
export const ALERT_METRICS = [
  'cpuPercent',
  'memoryPercent',
  'restarts',
  'netRxBytesPerS',
  'netTxBytesPerS',
  'blockReadBytesPerS',
  'blockWriteBytesPerS',
] as const;
export type AlertMetric = (typeof ALERT_METRICS)[number];

export const ALERT_OPERATORS = ['>', '>=', '<', '<='] as const;
export type AlertOperator = (typeof ALERT_OPERATORS)[number];

export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export const ALERT_STATES = ['firing', 'acknowledged', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export const CONDITION_TYPES = ['metric', 'crashed', 'oom', 'crash_loop', 'health_failing', 'deployment_failed', 'node_lost'] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];
/** Conditions about a whole environment: a rule with one of these cannot name a service. */
export const ENVIRONMENT_CONDITIONS: readonly ConditionType[] = ['deployment_failed', 'node_lost'];

const DAY_S = 86_400;
const seconds = (max = DAY_S) => z.number().int('whole seconds').min(0).max(max);
/** How long a condition must stay clear before its alert resolves (hysteresis hold). */
const resolveForS = seconds().optional();

export const metricCondition = z
  .object({
    type: z.literal('metric'),
    metric: z.enum(ALERT_METRICS),
    operator: z.enum(ALERT_OPERATORS),
    threshold: z.number().finite(),
    /** The condition must hold this long (0: the first breaching sample fires). */
    forS: seconds().default(60),
    /**
     * Resolve only once the value is back past the threshold by this much
     * (absolute, in the metric's unit). Default: 10 % of the threshold.
     */
    resolveMargin: z.number().finite().nonnegative().optional(),
    /** …for this long. Default: `forS`, at least 10 s. */
    resolveForS,
    /** `restarts` only: the trailing window restarts are counted over (default 300 s). */
    windowS: z.number().int().min(10).max(DAY_S).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.metric === 'memoryPercent' && (c.threshold < 0 || c.threshold > 100)) {
      ctx.addIssue({ code: 'custom', path: ['threshold'], message: 'a memory percentage is between 0 and 100' });
    }
    if (c.metric === 'restarts' && (!Number.isInteger(c.threshold) || c.threshold < 0)) {
      ctx.addIssue({ code: 'custom', path: ['threshold'], message: 'restarts are counted in whole numbers' });
    }
    if (c.metric !== 'restarts' && c.windowS !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['windowS'], message: 'windowS applies to the restarts metric only' });
    }
    if (c.metric.endsWith('PerS') || c.metric === 'cpuPercent') {
      if (c.threshold < 0) ctx.addIssue({ code: 'custom', path: ['threshold'], message: 'the threshold cannot be negative' });
    }
  });

export const alertCondition = z.discriminatedUnion('type', [
  metricCondition,
  /** A container exited with a non-zero code (not one Containr stopped). */
  z.object({ type: z.literal('crashed'), resolveForS }).strict(),
  /** The kernel OOM-killed a container. */
  z.object({ type: z.literal('oom'), resolveForS }).strict(),
  /** At least `restarts` crashes within `windowS`. */
  z
    .object({
      type: z.literal('crash_loop'),
      restarts: z.number().int().min(2).max(1_000).default(3),
      windowS: z.number().int().min(10).max(DAY_S).default(300),
      resolveForS,
    })
    .strict(),
  /** The container's health check reports unhealthy, for `forS`. */
  z.object({ type: z.literal('health_failing'), forS: seconds().default(0), resolveForS }).strict(),
  /** A deployment of the environment failed; resolved by the next one that succeeds. */
  z.object({ type: z.literal('deployment_failed') }).strict(),
  /** A node running containers of the environment missed its heartbeats; resolved when it is back. */
  z.object({ type: z.literal('node_lost') }).strict(),
]);
export type AlertCondition = z.infer<typeof alertCondition>;
export type MetricCondition = z.infer<typeof metricCondition>;

export const escalation = z
  .object({
    /** Notified when the alert is still firing (not acknowledged, not resolved) this long after it fired. */
    afterS: z.number().int().min(1).max(7 * DAY_S),
    channelIds: z.array(id).min(1, 'name at least one channel').max(10),
  })
  .strict();

const ruleFields = {
  name: z.string().trim().min(1, 'enter a name').max(100),
  enabled: z.boolean(),
  severity: z.enum(ALERT_SEVERITIES),
  /** null: every environment of the project. */
  environmentId: id.nullable(),
  /** A canvas service id; null: every service. */
  serviceId: id.nullable(),
  condition: alertCondition,
  /** Notified when an alert fires (and when it resolves). The in-app bell always shows it. */
  channelIds: z.array(id).max(10),
  escalation: escalation.nullable(),
};

function scopeCheck(rule: { serviceId?: string | null; condition?: AlertCondition }, ctx: z.RefinementCtx) {
  if (rule.serviceId && rule.condition && ENVIRONMENT_CONDITIONS.includes(rule.condition.type)) {
    ctx.addIssue({ code: 'custom', path: ['serviceId'], message: `a ${rule.condition.type} rule is about a whole environment: leave serviceId null` });
  }
}

export const ruleInput = z
  .object({
    ...ruleFields,
    enabled: ruleFields.enabled.default(true),
    severity: ruleFields.severity.default('warning'),
    environmentId: ruleFields.environmentId.default(null),
    serviceId: ruleFields.serviceId.default(null),
    channelIds: ruleFields.channelIds.default([]),
    escalation: ruleFields.escalation.default(null),
  })
  .strict()
  .superRefine(scopeCheck);
export type RuleInput = z.infer<typeof ruleInput>;

/** PATCH: any subset; `condition` is replaced whole. */
export const rulePatch = z
  .object(ruleFields)
  .partial()
  .strict()
  .refine((p) => Object.keys(p).length > 0, 'send at least one field to change');
export type RulePatch = z.infer<typeof rulePatch>;

const ROLES = ['owner', 'admin', 'developer', 'viewer'] as const;

/** Webhook targets: http(s) only (the server's own address is refused by the service, which knows it). */
export const webhookUrl = z
  .string()
  .trim()
  .max(2_000)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '';
    } catch {
      return false;
    }
  }, 'use an http:// or https:// URL without credentials');

const emailAddress = z.email('enter a valid email address').max(254);

export const channelInput = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('email'),
      name: z.string().trim().min(1, 'enter a name').max(100),
      enabled: z.boolean().default(true),
      /** Every member of the project's team with one of these roles. */
      roles: z.array(z.enum(ROLES)).max(4).default([]),
      addresses: z.array(emailAddress).max(50).default([]),
    })
    .strict()
    .refine((c) => c.roles.length + c.addresses.length > 0, { message: 'name at least one role or address', path: ['addresses'] }),
  z
    .object({
      type: z.literal('webhook'),
      name: z.string().trim().min(1, 'enter a name').max(100),
      enabled: z.boolean().default(true),
      url: webhookUrl,
    })
    .strict(),
]);
export type ChannelInput = z.infer<typeof channelInput>;

export const channelPatch = z
  .object({
    name: z.string().trim().min(1, 'enter a name').max(100),
    enabled: z.boolean(),
    roles: z.array(z.enum(ROLES)).max(4),
    addresses: z.array(emailAddress).max(50),
    url: webhookUrl,
  })
  .partial()
  .strict()
  .refine((p) => Object.keys(p).length > 0, 'send at least one field to change');
export type ChannelPatch = z.infer<typeof channelPatch>;

const instant = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const ms = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isSafeInteger(ms) || ms < 0) {
    ctx.addIssue({ code: 'custom', message: 'give epoch milliseconds or an ISO 8601 time' });
    return z.NEVER;
  }
  return ms;
});

/** GET /api/projects/:id/alerts (query strings). `state=open`: firing or acknowledged. */
export const alertsQuery = z
  .object({
    state: z.enum([...ALERT_STATES, 'open']).optional(),
    environmentId: id.optional(),
    serviceId: id.optional(),
    ruleId: id.optional(),
    severity: z.enum(ALERT_SEVERITIES).optional(),
    /** Fired at or after / at or before (epoch ms or ISO 8601). */
    from: instant.optional(),
    to: instant.optional(),
    /** The `nextCursor` of the previous page. */
    before: z.string().regex(/^\d+\.[A-Za-z0-9_-]+$/, 'pass the nextCursor of a previous answer').optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();
export type AlertsQuery = z.infer<typeof alertsQuery>;

export const deliveriesQuery = z
  .object({
    before: z.string().regex(/^\d+\.[A-Za-z0-9_-]+$/, 'pass the nextCursor of a previous answer').optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

export const seenBody = z.object({ at: instant.optional() }).strict();
