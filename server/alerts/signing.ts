// Signatures: the webhook body's (HMAC-SHA256 with the channel's secret), and
// the mailed acknowledge links' (a signed, expiring, single-purpose token).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Containr-Signature';
export const TIMESTAMP_HEADER = 'X-Containr-Timestamp';
export const DELIVERY_HEADER = 'X-Containr-Delivery';
export const EVENT_HEADER = 'X-Containr-Event';

/** `sha256=<hex HMAC-SHA256 of the raw body>`. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** What a receiver does: recompute and compare in constant time. */
export function verifyBody(secret: string, body: string, header: string | null | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(signBody(secret, body));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64url')}`;
}

const ACK_PURPOSE = 'alert-ack';

type AckClaims = { p: typeof ACK_PURPOSE; a: string; e: string; x: number };

/** A link token: base64url(claims).base64url(HMAC). Only `verifyAckToken` with the same key accepts it. */
export function ackToken(key: Buffer, alertId: string, email: string, expiresAt: number): string {
  const claims: AckClaims = { p: ACK_PURPOSE, a: alertId, e: email, x: expiresAt };
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`;
}

export type AckCheck = { ok: true; alertId: string; email: string } | { ok: false; reason: 'INVALID' | 'EXPIRED' };

export function verifyAckToken(key: Buffer, token: string, now: number): AckCheck {
  const [body, mac, extra] = token.split('.');
  if (!body || !mac || extra !== undefined || token.length > 1_000) return { ok: false, reason: 'INVALID' };
  const expected = createHmac('sha256', key).update(body).digest();
  let given: Buffer;
  try {
    given = Buffer.from(mac, 'base64url');
  } catch {
    return { ok: false, reason: 'INVALID' };
  }
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'INVALID' };
  let claims: Partial<AckClaims>;
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<AckClaims>;
  } catch {
    return { ok: false, reason: 'INVALID' };
  }
  if (claims.p !== ACK_PURPOSE || typeof claims.a !== 'string' || typeof claims.e !== 'string' || typeof claims.x !== 'number') {
    return { ok: false, reason: 'INVALID' };
  }
  if (now > claims.x) return { ok: false, reason: 'EXPIRED' };
  return { ok: true, alertId: claims.a, email: claims.e };
}
