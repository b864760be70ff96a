import type { NextFunction, Request, Router } from 'express';
import { activeTracing, badRequest, HttpError, type App } from '@sockudo-ts/shared';
import type { ApiDeps } from '../deps.js';
import type { Query } from '../middleware/query.js';
import { decodeSegment, routePathOf } from '../paths.js';
import type { ApiResponse, Responder } from '../respond.js';

/** ApiCall is a verified request as a route handler sees it. */
export interface ApiCall {
  app: App;
  /** query is the query the signature was checked over (parsed once). */
  query: Query;
  /** body is the request body parsed as JSON; undefined when the body is empty. */
  body: unknown;
  /** params are the route's `:name` path segments below the app, URL-decoded. */
  params: Readonly<Record<string, string>>;
  /** traceparent is the caller's W3C trace context, passed on with what the request publishes. */
  traceparent?: string;
}

/** RouteHandler serves one route; what it resolves with is answered as JSON with 200 (undefined as `{}`). */
export type RouteHandler = (call: ApiCall) => Promise<unknown>;

/**
 * RouteModule mounts one group of routes (events, channels, ...) on the API router. Adding a group is a
 * new module plus one entry in `ROUTES` (routes/index.ts).
 */
export type RouteModule = (router: ApiRouter, deps: ApiDeps) => void;

const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;

/**
 * Admission is the step that lets a request under `/apps/{app_id}` in before its route serves it (rate limit,
 * app, signature, body): it resolves once the request is admitted, with app, query and body in the request's
 * state, and rejects with the HttpError that refuses it.
 */
export type Admission = (req: Request, res: ApiResponse) => Promise<void> | undefined;

/** APP_PATH is the prefix of every route: `/apps/{app_id}`. */
export const APP_PATH = '/apps/:appId';

/**
 * ApiRouter mounts the API's routes on the express app below `/apps/:appId`, with the API's conventions
 * built in: every route first runs `admit` (the signature); a route has one method and a name (its metrics
 * label); another method on its path is refused with 405 and `Allow` (HEAD on a GET route too) once
 * `refuseOtherMethods` has mounted the refusals; the body is parsed as JSON once the route is known (400 when
 * it is not JSON); the handler's result is the 200 JSON body. Paths are matched case-sensitively and strictly
 * (no trailing slash), as PROTOCOL.md §8 spells them.
 */
export class ApiRouter {
  constructor(
    private readonly router: Router,
    private readonly admit: Admission,
    private readonly responder: Responder,
  ) {}

  /** methods are the methods mounted on each path (below the app), for the 405 refusals. */
  private readonly methods = new Map<string, Set<Method>>();

  /** get mounts a GET route; `path` is below `/apps/:appId`. */
  get(path: string, name: string, handler: RouteHandler): void {
    this.add('GET', path, name, handler);
  }

  /** post mounts a POST route; `path` is below `/apps/:appId`. */
  post(path: string, name: string, handler: RouteHandler): void {
    this.add('POST', path, name, handler);
  }

  /** put mounts a PUT route; `path` is below `/apps/:appId`. */
  put(path: string, name: string, handler: RouteHandler): void {
    this.add('PUT', path, name, handler);
  }

  /** delete mounts a DELETE route; `path` is below `/apps/:appId`. */
  delete(path: string, name: string, handler: RouteHandler): void {
    this.add('DELETE', path, name, handler);
  }

  /**
   * refuseOtherMethods mounts, after every route, the answer to a method that no route of a path serves: the
   * request is admitted (an unsigned caller learns nothing about the routes), then refused with 405 and `Allow`.
   * HEAD is refused too (express would answer it with the GET handler; the API has always refused it).
   */
  refuseOtherMethods(): void {
    for (const [path, methods] of this.methods) {
      const allow = [...methods].join(', ');
      this.router.route(APP_PATH + path).all(async (req: Request, res: ApiResponse) => {
        await this.admit(req, res);
        throw new HttpError(405, 'method_not_allowed', `Use ${allow} for ${routePathOf(res.locals.path)}`, { Allow: allow });
      });
    }
  }

  private add(method: Method, path: string, name: string, handler: RouteHandler): void {
    const route = APP_PATH + path;
    const names = paramNames(path);
    // why: one layer admits and serves (each express layer costs a dispatch and a promise on the hot path).
    const serve = async (req: Request, res: ApiResponse, next: NextFunction): Promise<void> => {
      // why: express hands HEAD to a GET route; it goes on to the path's refusal.
      if (req.method !== method) return next();
      // why: an admission that needed no waiting returns no promise, and costs no await.
      const admitted = this.admit(req, res);
      if (admitted !== undefined) await admitted;
      const state = res.locals;
      state.route = name;
      const app = state.app;
      if (app === undefined) throw new Error(`route ${name} reached without admission`);
      activeTracing()?.annotateRequest({ method, route, appId: app.id });
      const body = state.body.length > 0 ? parseJson(state.body) : undefined;
      const trace = req.headers.traceparent;
      const traceparent = typeof trace === 'string' && TRACEPARENT.test(trace) ? trace : undefined;
      const params = names.length === 0 ? NO_PARAMS : decodeParams(req.params as Record<string, string>, names);
      const result = await handler({ app, query: state.query, body, params, traceparent });
      if (result instanceof Reply) this.responder.send(req, res, result.status, result.body);
      else this.responder.send(req, res, 200, result);
    };
    // why: one flat route per path and method on the app router (no nested router): the fewest layers per request.
    this.router.route(route)[method.toLowerCase() as 'get' | 'post' | 'put' | 'delete'](serve);
    let methods = this.methods.get(path);
    if (methods === undefined) this.methods.set(path, (methods = new Set()));
    methods.add(method);
  }
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** Reply is a route handler's answer with a status other than 200 (202 for a queued publish, 201 for a registration). */
export class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

/** paramNames lists the `:name` segments of a route path below the app, in order. */
function paramNames(path: string): string[] {
  return path.split('/').filter((segment) => segment.startsWith(':')).map((segment) => segment.slice(1));
}

/**
 * decodeParams URL-decodes the route's path segments (the router hands them over as sent). why: the names
 * are the route's, known when it was mounted; enumerating the router's params object cost ~1,200 CPU
 * instructions a request, and a route without params (`/events`) needs no object at all.
 */
function decodeParams(raw: Record<string, string>, names: readonly string[]): Readonly<Record<string, string>> {
  const params: Record<string, string> = {};
  for (const name of names) params[name] = decodeSegment(raw[name]!);
  return params;
}

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

function parseJson(body: Buffer): unknown {
  try {
    // why: UTF-8 by default; without arguments Buffer's toString skips reading an encoding name.
    return JSON.parse(body.toString());
  } catch {
    throw badRequest('Request body is not valid JSON');
  }
}
