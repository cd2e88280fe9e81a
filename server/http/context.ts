// Per-request authentication and CSRF checks, shared by /api and Remix.
import type { Request, RequestHandler } from 'express';
import type { Viewer } from '../auth/service';
import { DomainError } from '../errors';
import type { Services } from '../services';

declare module 'express-serve-static-core' {
  interface Request {
    viewer?: Viewer | null;
  }
}

export function clientIp(req: Request): string | null {
  return req.socket.remoteAddress ?? null;
}

/** Attaches `req.viewer` (or null) and refreshes the session cookie when lucia asks. */
export function authenticate(services: Services): RequestHandler {
  // Named: the authorization test lists every middleware by name (route-permissions.ts).
  return function authenticateRequest(req, res, next) {
    services.auth
      .authenticate({ authorization: req.headers.authorization, cookie: req.headers.cookie }, clientIp(req))
      .then(({ viewer, setCookie }) => {
        req.viewer = viewer;
        if (setCookie) res.append('Set-Cookie', setCookie.serialize());
        next();
      }, next);
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Cookie-authenticated writes must come from our own pages. Browsers send
 * Origin (and Sec-Fetch-Site) on cross-site POSTs, so comparing them with the
 * Host header stops CSRF; clients with a bearer token are not at risk.
 */
export const sameOrigin: RequestHandler = (req, _res, next) => {
  if (SAFE_METHODS.has(req.method) || req.headers.authorization) return next();
  const fetchSite = req.headers['sec-fetch-site'];
  if (fetchSite === 'cross-site') return next(new DomainError('FORBIDDEN', 'cross-site request refused'));
  const origin = req.headers.origin;
  if (origin && origin !== 'null') {
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      return next(new DomainError('FORBIDDEN', 'malformed Origin header'));
    }
    if (host !== req.headers.host) return next(new DomainError('FORBIDDEN', 'cross-origin request refused'));
  } else if (origin === 'null') {
    return next(new DomainError('FORBIDDEN', 'opaque-origin request refused'));
  }
  next();
};

export function requireViewer(req: Request): Viewer {
  if (!req.viewer) throw new DomainError('NOT_AUTHENTICATED', 'sign in or send an API token');
  return req.viewer;
}
