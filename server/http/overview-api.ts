// GET /api/overview: the nodes the viewer may see and the containers on them in
// environments the viewer may read, with their newest samples (see
// server/metrics/overview.ts). Mounted by api.ts after the JSON body parser.
//
// Live updates are a poll, not a socket: the page spans every environment of the
// viewer's teams, inventories are not relayed on /live, and one small JSON answer
// every 2 s is simple and robust (it survives reconnects and restarts with no
// state). The answer carries a strong ETag and `Cache-Control: no-cache`, so a
// poll that finds nothing new costs a 304 and no re-render.
import { Router } from 'express';
import { createHash } from 'node:crypto';
import { overviewOf } from '../metrics/overview';
import { actorOf, type Services } from '../services';
import { requireViewer } from './context';
import { h } from './handler';

export function overviewApi(services: Services): Router {
  const api = Router();
  api.get(
    '/overview',
    h((req, res) => {
      const actor = actorOf(requireViewer(req));
      const { now, ...content } = overviewOf(services).read(actor);
      // The tag covers what is shown, not the time of the answer.
      const body = JSON.stringify(content);
      const etag = `"${createHash('sha1').update(body).digest('base64url')}"`;
      res.setHeader('Cache-Control', 'private, no-cache');
      res.setHeader('ETag', etag);
      if (req.headers['if-none-match'] === etag) {
        res.status(304).end();
        return;
      }
      res.type('application/json').send(`{"now":${now},${body.slice(1)}`);
    }),
  );
  return api;
}
