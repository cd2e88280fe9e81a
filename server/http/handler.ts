// Express glue shared by the API routers.
import type { NextFunction, Request, Response } from 'express';

export type Handler = (req: Request, res: Response) => unknown;

/** Runs a handler, sending its result as JSON (status 200, or `res.status` set before); undefined → 204. */
export const h = (fn: Handler) => (req: Request, res: Response, next: NextFunction) => {
  Promise.resolve()
    .then(() => fn(req, res))
    .then((body) => {
      if (res.headersSent) return;
      if (body === undefined) res.status(res.statusCode === 200 ? 204 : res.statusCode).end();
      else res.json(body);
    }, next);
};
