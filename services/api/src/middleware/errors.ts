import type { NextFunction, Request } from 'express';
import { DependencyUnavailable, HttpError, notFound, unavailable, type Logger } from '@sockudo-ts/shared';
import { routePathOf } from '../paths.js';
import type { ApiResponse, Responder } from '../respond.js';

/**
 * httpErrorOf turns what a request failed with into the HttpError it is answered with: an HttpError as it
 * is, DependencyUnavailable as 503; undefined for anything else, a bug answered with 500.
 */
export function httpErrorOf(err: unknown): HttpError | undefined {
  if (err instanceof HttpError) return err;
  if (err instanceof DependencyUnavailable) return unavailable(err.message);
  return undefined;
}

/**
 * errorHandler returns the one express error handler of the API: every failure becomes a JSON body
 * `{"error": "..."}` with its status and headers (`Allow` for 405, `Retry-After` for 429); an unexpected
 * error is logged with its app and route and answered 500 without details.
 */
export function errorHandler(responder: Responder, logger: Logger): (err: unknown, req: Request, res: ApiResponse, next: NextFunction) => void {
  // why: express tells error handlers from middleware by their four parameters, `next` included.
  return (err, req, res, _next) => {
    const e = httpErrorOf(err);
    if (e === undefined) logger.error({ err, app_id: res.locals.app?.id, route: res.locals.route }, 'HTTP API handler failed');
    responder.sendFailure(req, res, e?.status ?? 500, { error: e?.message ?? 'Internal server error' }, e?.headers);
  };
}

/**
 * unknownRoute returns the middleware that answers a path no route serves with 404: `Unknown route` when
 * the path names no app, `Unknown route /x` (the path below the app) when it does.
 */
export function unknownRoute(): (req: Request, res: ApiResponse, next: NextFunction) => void {
  return (_req, res, next) => {
    const { app, path } = res.locals;
    next(notFound(app === undefined ? 'Unknown route' : `Unknown route ${routePathOf(path)}`));
  };
}
