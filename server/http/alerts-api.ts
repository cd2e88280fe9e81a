// Alert rules, alerts, channels and deliveries (docs/api.md, "Alerts"):
//   GET/POST /api/projects/:id/alert-rules · GET/PATCH/DELETE /api/alert-rules/:id
//   GET /api/projects/:id/alerts · GET /api/alerts/:id · POST /api/alerts/:id/ack
//   GET /api/alerts/unread · POST /api/alerts/seen
//   GET/POST /api/projects/:id/alert-channels · PATCH/DELETE /api/alert-channels/:id
//   POST /api/alert-channels/:id/rotate-secret · POST /api/alert-channels/:id/test · GET /api/alert-channels/:id/deliveries
// and the pages of mailed acknowledge links, /alerts/ack/:token (no session: the token is signed).
import express, { Router, type Response } from 'express';
import { z } from 'zod';
import { alertsQuery, channelInput, channelPatch, deliveriesQuery, ruleInput, rulePatch, seenBody } from '../alerts/schemas';
import { DomainError, HTTP_STATUS } from '../errors';
import { escapeHtml } from '../mail/templates';
import { actorOf, type Services } from '../services';
import { clientIp, requireViewer } from './context';
import { parse } from './errors';
import { h } from './handler';

const id = z.string().min(1).max(64);
const rulesFilter = z.object({ environmentId: id.optional(), serviceId: id.optional() }).strict();

export function alertsApi(services: Services): Router {
  const { alerts } = services;
  const api = Router();
  const actor = (req: express.Request) => actorOf(requireViewer(req));

  // Before /alerts/:id, which would take "unread" for an id.
  api.get('/alerts/unread', h((req) => alerts.unread(actor(req))));
  api.post('/alerts/seen', h((req) => alerts.markSeen(actor(req), parse(seenBody, req.body ?? {}).at)));

  api.get(
    '/projects/:id/alert-rules',
    h((req) => ({ rules: alerts.listRules(actor(req), req.params.id, parse(rulesFilter, req.query)) })),
  );
  api.post(
    '/projects/:id/alert-rules',
    h((req, res) => {
      const rule = alerts.createRule(actor(req), req.params.id, parse(ruleInput, req.body));
      res.status(201);
      return { rule };
    }),
  );
  api.get('/alert-rules/:id', h((req) => ({ rule: alerts.getRule(actor(req), req.params.id) })));
  api.patch('/alert-rules/:id', h((req) => ({ rule: alerts.updateRule(actor(req), req.params.id, parse(rulePatch, req.body)) })));
  api.delete('/alert-rules/:id', h((req) => alerts.deleteRule(actor(req), req.params.id)));

  api.get('/projects/:id/alerts', h((req) => alerts.listAlerts(actor(req), req.params.id, parse(alertsQuery, req.query))));
  api.get('/alerts/:id', h((req) => alerts.getAlert(actor(req), req.params.id)));
  api.post('/alerts/:id/ack', h((req) => ({ alert: alerts.acknowledge(actor(req), req.params.id) })));

  api.get('/projects/:id/alert-channels', h((req) => ({ channels: alerts.listChannels(actor(req), req.params.id) })));
  api.post(
    '/projects/:id/alert-channels',
    h((req, res) => {
      const created = alerts.createChannel(actor(req), req.params.id, parse(channelInput, req.body));
      res.status(201);
      return created;
    }),
  );
  api.patch('/alert-channels/:id', h((req) => ({ channel: alerts.updateChannel(actor(req), req.params.id, parse(channelPatch, req.body)) })));
  api.delete('/alert-channels/:id', h((req) => alerts.deleteChannel(actor(req), req.params.id)));
  api.post('/alert-channels/:id/rotate-secret', h((req) => alerts.rotateSecret(actor(req), req.params.id)));
  api.post(
    '/alert-channels/:id/test',
    h((req, res) => {
      const delivery = alerts.testChannel(actor(req), req.params.id);
      res.status(202);
      return { delivery };
    }),
  );
  api.get(
    '/alert-channels/:id/deliveries',
    h((req) => alerts.deliveries(actor(req), req.params.id, parse(deliveriesQuery, req.query))),
  );
  return api;
}

// ── /alerts/ack/:token: small server-rendered pages ──────────────────────────
// GET shows the alert and a button; only the POST acknowledges, so a mail
// scanner that opens links acknowledges nothing.

function page(res: Response, status: number, heading: string, body: string) {
  res
    .status(status)
    .type('html')
    .set('Cache-Control', 'no-store')
    .set('Referrer-Policy', 'no-referrer')
    .send(
      [
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">',
        `<title>${escapeHtml(heading)} · Containr</title></head>`,
        '<body style="margin:0;padding:40px 16px;background:#f7f7f8;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#17171c">',
        '<main style="max-width:520px;margin:0 auto;background:#fff;border:1px solid #e4e4e8;border-radius:10px;padding:28px">',
        '<div style="font-weight:700;font-size:15px;margin-bottom:18px;color:#6d4aff">Containr</div>',
        `<h1 style="font-size:20px;line-height:1.3;margin:0 0 14px">${escapeHtml(heading)}</h1>`,
        body,
        '</main></body></html>',
      ].join('\n'),
    );
}

const p = (text: string) => `<p style="font-size:14px;line-height:1.55;margin:0 0 12px">${escapeHtml(text)}</p>`;

function errorPage(res: Response, error: unknown) {
  if (!(error instanceof DomainError)) throw error;
  const status = HTTP_STATUS[error.code];
  if (error.code === 'GONE') return page(res, status, 'This link has expired', p('Open the alert in Containr to acknowledge it.'));
  if (error.code === 'CONFLICT') return page(res, status, 'Already resolved', p('This alert resolved on its own; there is nothing to acknowledge.'));
  return page(res, status, 'This link is not valid', p('It may have been cut short by your mail program. Open the alert in Containr instead.'));
}

export function alertAckPages(services: Services): Router {
  const router = Router();
  router.use(express.urlencoded({ extended: false, limit: '1kb' }));

  router.get('/:token', (req, res, next) => {
    try {
      const { alert, email } = services.alerts.peekAckLink(req.params.token);
      const when = alert.firedAt.toISOString().replace('T', ' ').slice(0, 19);
      if (alert.state !== 'firing') {
        const what = alert.state === 'resolved' ? 'It has resolved.' : `${alert.acknowledgedBy?.name ?? alert.acknowledgedBy?.email ?? 'Someone'} acknowledged it.`;
        return page(res, 200, alert.title, p(alert.message) + p(`Fired ${when} UTC. ${what}`));
      }
      page(
        res,
        200,
        alert.title,
        p(alert.message) +
          p(`Fired ${when} UTC. Acknowledge it as ${email}?`) +
          `<form method="post"><button type="submit" style="background:#d92d20;color:#fff;border:0;border-radius:7px;padding:10px 18px;font-weight:600;font-size:14px;cursor:pointer">Acknowledge</button></form>`,
      );
    } catch (error) {
      try {
        errorPage(res, error);
      } catch (unexpected) {
        next(unexpected);
      }
    }
  });

  router.post('/:token', (req, res, next) => {
    try {
      const alert = services.alerts.acknowledgeByLink(req.params.token, clientIp(req));
      const by = alert.acknowledgedBy?.name ?? alert.acknowledgedBy?.email ?? 'you';
      page(res, 200, 'Acknowledged', p(alert.title) + p(`Acknowledged by ${by}. Its escalation is stopped; it resolves on its own when the condition clears.`));
    } catch (error) {
      try {
        errorPage(res, error);
      } catch (unexpected) {
        next(unexpected);
      }
    }
  });
  return router;
}
