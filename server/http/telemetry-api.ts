// History of a canvas service's logs and metrics:
//   GET /api/services/:id/logs?environmentId&since&until&q&limit&stream&deploymentId&cursor
//   GET /api/services/:id/metrics?environmentId&from&to&step
// Times are epoch ms or ISO 8601; `step` is seconds or a duration (30s, 5m, 1h).
// A share link's token (`Authorization: Bearer ctrs_…`) reads the services of its own
// environment here, as its page shows them; nothing else in /api takes it.
// Mounted by api.ts after the JSON body parser.
import { Router, type Request } from 'express';
import { z } from 'zod';
import { LOG_LINE_STREAMS } from '../../sync/events';
import { notFound } from '../errors';
import { actorOf, type Services } from '../services';
import { isShareToken, type ShareGrant } from '../share/service';
import { requireViewer } from './context';
import { parse } from './errors';
import { h } from './handler';

const id = z.string().min(1).max(64);

const instant = z.string().transform((value, ctx) => {
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isSafeInteger(ms) || ms < 0) {
    ctx.addIssue({ code: 'custom', message: 'give epoch milliseconds or an ISO 8601 time' });
    return z.NEVER;
  }
  return ms;
});

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const duration = z.string().transform((value, ctx) => {
  const match = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(value);
  const ms = match ? Number(match[1]) * UNITS[match[2] || 's'] : NaN;
  if (!(ms >= 1_000) || ms > 30 * UNITS.d) {
    ctx.addIssue({ code: 'custom', message: 'give seconds (at least 1) or a duration such as 30s, 5m, 1h' });
    return z.NEVER;
  }
  return ms;
});

const logsQuery = z
  .object({
    environmentId: id.optional(),
    since: instant.optional(),
    until: instant.optional(),
    q: z.string().trim().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(5_000).default(500),
    stream: z.enum(LOG_LINE_STREAMS).optional(),
    deploymentId: id.optional(),
    cursor: z
      .string()
      .regex(/^\d+\.\d+$/, 'pass the cursor of a previous answer')
      .optional(),
  })
  .strict();

const metricsQuery = z
  .object({ environmentId: id.optional(), from: instant.optional(), to: instant.optional(), step: duration.optional() })
  .strict()
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, { message: 'from must not be after to', path: ['from'] });

export function telemetryApi(services: Services): Router {
  const { logs, metrics } = services.telemetry;
  const api = Router();

  /** The share link's environment when the request carries a valid share token, checked against `environmentId`. */
  function sharedEnvironment(req: Request, environmentId: string | undefined): string | null {
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token || !isShareToken(token)) return null;
    const grant: ShareGrant | null = services.share.verify(token);
    if (!grant) return null;
    if (environmentId !== undefined && environmentId !== grant.environmentId) throw notFound('service');
    return grant.environmentId;
  }

  api.get(
    '/services/:id/logs',
    h((req) => {
      const query = parse(logsQuery, req.query);
      const serviceId = parse(id, req.params.id);
      const input = { ...query, q: query.q || undefined };
      const shared = sharedEnvironment(req, query.environmentId);
      if (shared) return logs.historyIn(shared, serviceId, input);
      return logs.history(actorOf(requireViewer(req)), serviceId, input);
    }),
  );

  api.get(
    '/services/:id/metrics',
    h((req) => {
      const { step, ...query } = parse(metricsQuery, req.query);
      const serviceId = parse(id, req.params.id);
      const shared = sharedEnvironment(req, query.environmentId);
      if (shared) return metrics.historyIn(shared, serviceId, { ...query, stepMs: step });
      return metrics.history(actorOf(requireViewer(req)), serviceId, { ...query, stepMs: step });
    }),
  );
  return api;
}
