// Who may open an environment's document, and whether they may change it.
// Credentials: `?token=<api token>` (scripts, the CLI; browsers cannot set
// headers on a WebSocket), `?token=<share-link token>` (read-only, that one
// environment only) or the session cookie.
import type { IncomingMessage } from 'node:http';
import type { Actor } from '../audit/service';
import { can } from '../auth/permissions';
import { DomainError } from '../errors';
import type { Services } from '../services';
import { isShareToken, type ShareGrant } from '../share/service';
import type { CloseReason } from './close-reasons';

export type Access =
  | { ok: true; actor: Actor; readOnly: boolean; share: null }
  | { ok: true; actor: null; readOnly: true; share: ShareGrant }
  | { ok: false; reason: Extract<CloseReason, 'NOT_AUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND'> };

export async function authorize(services: Services, req: IncomingMessage, url: URL, environmentId: string): Promise<Access> {
  const ip = req.socket.remoteAddress ?? null;
  let actor: Actor;
  const token = url.searchParams.get('token');
  if (token !== null && isShareToken(token)) {
    const grant = services.share.verify(token);
    if (!grant) return { ok: false, reason: 'NOT_AUTHENTICATED' };
    // A link opens its own environment and nothing else; another id is "not found", as for anyone without access.
    if (grant.environmentId !== environmentId) return { ok: false, reason: 'NOT_FOUND' };
    return { ok: true, actor: null, readOnly: true, share: grant };
  }
  if (token !== null) {
    const user = services.tokens.verify(token);
    if (!user) return { ok: false, reason: 'NOT_AUTHENTICATED' };
    actor = { userId: user.id, email: user.email, ip };
  } else {
    if (!sameOrigin(req)) return { ok: false, reason: 'FORBIDDEN' };
    // A refreshed session cookie cannot be set on a socket; the next HTTP request sets it.
    const { viewer } = await services.auth.authenticate({ cookie: req.headers.cookie }, ip);
    if (!viewer) return { ok: false, reason: 'NOT_AUTHENTICATED' };
    actor = { userId: viewer.user.id, email: viewer.user.email, ip };
  }

  try {
    const { role } = services.projects.environmentAccess(actor, environmentId, 'environment:read');
    // Viewers see the canvas and its cursors but cannot change it.
    return { ok: true, actor, readOnly: !can(role, 'canvas:edit'), share: null };
  } catch (error) {
    if (error instanceof DomainError && (error.code === 'NOT_FOUND' || error.code === 'FORBIDDEN')) {
      return { ok: false, reason: error.code };
    }
    throw error;
  }
}

/**
 * Browsers send cookies with a cross-site WebSocket handshake and the server
 * cannot rely on CORS there, so a cookie-authenticated socket must come from
 * our own pages (Origin's host equals Host). Clients that send no Origin are
 * not browsers and cannot be made to carry a victim's cookie.
 */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false; // includes the opaque origin "null"
  }
}
