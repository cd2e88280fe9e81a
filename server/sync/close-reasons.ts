// The closed set of reasons the Yjs endpoint closes a socket with, as in
// tldraw's TLSyncErrorCloseEventReason. Each reason has exactly one code:
// 4000 + the HTTP status a REST route would answer with. A stock y-websocket
// client (3.x) stops reconnecting on 4400–4499 (a decision reconnecting cannot
// change) and keeps reconnecting on anything else, so the two server-side
// reasons are in 4500–4599 on purpose.

export const CLOSE_REASONS = [
  // No valid session cookie or API token.
  'NOT_AUTHENTICATED',
  // Authenticated, but refused: a cookie sent from another site's page.
  'FORBIDDEN',
  // No such environment, or one in a team the user is not in (never FORBIDDEN: existence is not revealed).
  'NOT_FOUND',
  // Not a y-websocket message we understand, or a Yjs/awareness update that does not decode or apply.
  'INVALID_MESSAGE',
  // A single message over the size limit (1 MiB by default).
  'TOO_LARGE',
  // The server could not load or persist the document; the client's state is kept and re-synced on reconnect.
  'INTERNAL_ERROR',
  // The server is shutting down.
  'UNAVAILABLE',
] as const;

export type CloseReason = (typeof CLOSE_REASONS)[number];

export const CLOSE_CODES = {
  NOT_AUTHENTICATED: 4401,
  FORBIDDEN: 4403,
  NOT_FOUND: 4404,
  INVALID_MESSAGE: 4400,
  TOO_LARGE: 4413,
  INTERNAL_ERROR: 4500,
  UNAVAILABLE: 4503,
} as const satisfies Record<CloseReason, number>;
