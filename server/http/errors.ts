// Turns domain and validation errors into the API's error shape:
// { error: { code, message, issues? } } with a fitting status.
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { type z } from 'zod';
import { DomainError, HTTP_STATUS, type Issue } from '../errors';
import type { Logger } from '../logger';

export function sendError(res: Response, status: number, code: string, message: string, issues?: Issue[]) {
  res.status(status).json({ error: { code, message, ...(issues ? { issues } : {}) } });
}

export function zodIssues(error: z.ZodError): Issue[] {
  return error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

/** Parses a body or query with zod; failures become 422 with per-field issues. */
export function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new DomainError('VALIDATION', 'request validation failed', zodIssues(result.error));
  return result.data;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  // Named: the authorization test lists every middleware by name (route-permissions.ts).
  return function handleError(error, req, res, next) {
    if (res.headersSent) return next(error);
    if (error instanceof DomainError) {
      if (error.retryAfterS) res.setHeader('Retry-After', String(error.retryAfterS));
      return sendError(res, HTTP_STATUS[error.code], error.code, error.message, error.issues);
    }
    // body-parser's errors carry a `type`.
    const type = (error as { type?: string }).type;
    if (type === 'entity.parse.failed') return sendError(res, 400, 'BAD_REQUEST', 'malformed JSON body');
    if (type === 'entity.too.large') return sendError(res, 413, 'PAYLOAD_TOO_LARGE', 'request body is too large');
    if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
      return sendError(res, 415, 'UNSUPPORTED_MEDIA_TYPE', 'unsupported request encoding');
    }
    logger.error({ err: error, method: req.method, url: req.originalUrl }, 'unhandled request error');
    sendError(res, 500, 'INTERNAL', 'internal server error');
  };
}

export const apiNotFound: RequestHandler = (req, res) =>
  sendError(res, 404, 'NOT_FOUND', `no route for ${req.method} ${req.path}`);
