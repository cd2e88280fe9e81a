// Typed domain errors. Domain code throws these; only the edges (HTTP routes,
// socket handlers) turn them into statuses, close codes or acks.

export type Issue = { path: string; message: string; serviceId?: string };

export type ErrorCode =
  | 'BAD_REQUEST'
  | 'NOT_AUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'GONE'
  | 'VALIDATION'
  | 'RATE_LIMITED';

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues?: Issue[],
    readonly retryAfterS?: number,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what: string) => new DomainError('NOT_FOUND', `${what} not found`);
export const forbidden = (message = 'you do not have permission to do this') =>
  new DomainError('FORBIDDEN', message);
export const conflict = (message: string, path?: string) =>
  new DomainError('CONFLICT', message, path ? [{ path, message }] : undefined);
export const invalid = (message: string, issues: Issue[]) => new DomainError('VALIDATION', message, issues);

export const HTTP_STATUS: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  NOT_AUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  GONE: 410,
  VALIDATION: 422,
  RATE_LIMITED: 429,
};
