import type { IncomingMessage, ServerOptions, ServerResponse } from 'node:http';
import express, { type Express, type NextFunction, type Request } from 'express';
import { ConfigError, type Logger } from '@sockudo-ts/shared';
import { BEAMS_PREFIXES, beamsRouter } from './beams/beams-routes.js';
import type { ApiDeps } from './deps.js';
import { expressServerOptions } from './express-server.js';
import { errorHandler, unknownRoute } from './middleware/errors.js';
import { rateLimit } from './middleware/limits.js';
import { signature } from './middleware/signature.js';
import { routablePath } from './paths.js';
import { newRequestState, Responder, type ApiResponse, type RequestState } from './respond.js';
import { APP_PATH, ApiRouter, type Admission } from './routes/route.js';
import { ROUTES } from './routes/index.js';

export type { ApiDeps } from './deps.js';

/**
 * HttpApi serves the Pusher HTTP API under `/apps/{app_id}` (PROTOCOL.md §8) on express: signed requests
 * only (the signature middleware), one route module per group of routes (routes/), JSON errors that name
 * the problem from one error handler, counts from cluster-wide presence state.
 */
export class HttpApi {
  /**
   * serverOptions are the `http.createServer` options of a server that hands requests to `handle`: request
   * and response classes built on this API's express prototypes. A server without them works, slower.
   */
  readonly serverOptions: ServerOptions<typeof IncomingMessage, typeof ServerResponse>;
  private readonly app: Express;
  private readonly responder: Responder;
  private readonly logger: Logger;
  private readonly maxInFlight: number;
  private readonly refuseBusy: () => void;
  private inFlight = 0;

  constructor(deps: ApiDeps) {
    this.logger = deps.logger;
    // why: every config read of the API happens here, so that a narrower config slice can replace it.
    const bodyLimit = Math.round(deps.config.http_api.request_limit_in_mb * 1024 * 1024);
    this.responder = new Responder(deps.metrics, deps.logger);
    const app = express();
    // why: responses stay exactly as before express: no X-Powered-By, no ETag; the signature middleware
    // parses the query and reads the body itself, once.
    app.disable('x-powered-by');
    app.set('etag', false);
    app.set('query parser', false);
    app.enable('case sensitive routing');
    app.enable('strict routing');
    this.maxInFlight = deps.config.http_api.max_in_flight;
    this.refuseBusy = () => deps.metrics.limited.inc({ limit: 'api_in_flight' });
    const limit = rateLimit(deps.limits);
    const verify = signature({ apps: deps.apps, bodyLimit, metrics: deps.metrics });
    // why: the address is counted first: a flood is refused before any app lookup, signature or body.
    const admit: Admission = deps.limits === undefined ? verify : async (req, res) => {
      await limit(req, res);
      await verify(req, res);
    };
    const routes = new ApiRouter(app.router, admit, this.responder);
    for (const mount of ROUTES) mount(routes, deps);
    routes.refuseOtherMethods();
    const { push } = deps.config;
    if (push.enabled) {
      const vapidPublicKey = push.providers.webpush.enabled ? push.providers.webpush.vapid_public_key : '';
      app.use(beamsRouter({ apps: deps.apps, push: deps.push, limit, instances: beamsInstances(push.beams.instances), vapidPublicKey, bodyLimit, responder: this.responder, logger: deps.logger }));
    }
    // why: an unknown route under an app is 404 only for a verified request, as before express.
    app.use(APP_PATH, async (req: Request, res: ApiResponse, next: NextFunction) => {
      await admit(req, res);
      next();
    }, unknownRoute());
    app.use(unknownRoute());
    app.use(errorHandler(this.responder, deps.logger));
    this.app = app;
    this.serverOptions = expressServerOptions(app);
  }

  /** handle serves a request whose path starts with `/apps/` (or a Pusher Beams API's); returns false for any other path. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? '/';
    if (!url.startsWith('/apps/') && !BEAMS_PREFIXES.some((prefix) => url.startsWith(prefix))) return false;
    // why: express keeps a `res.locals` it finds; the request's state starts before routing.
    const state = newRequestState(url);
    (res as ServerResponse & { locals: RequestState }).locals = state;
    if (this.maxInFlight > 0) {
      if (this.inFlight >= this.maxInFlight) {
        this.refuseBusy();
        this.responder.send(req as Request, res as ApiResponse, 503, { error: 'Server busy: too many requests in flight, retry later' }, { 'Retry-After': '1' });
        return true;
      }
      this.inFlight++;
      // why: 'close' comes once per response; on() keeps the shared listener (once() wraps it per request).
      res.on('close', this.settle);
    }
    // why: the router needs the path only (the signature middleware reads the query from the state).
    req.url = routablePath(state.path);
    // why: what app.handle does before routing, less what it costs per request for nothing here: the request
    // and response already have the app's prototypes (serverOptions) and X-Powered-By is off.
    (req as Request).res = res as ApiResponse;
    (res as ApiResponse).req = req as Request;
    (this.app.router as unknown as RouterHandle).handle(req as Request, res as ApiResponse, (err?: unknown) => this.unhandled(req, res, err));
    return true;
  }

  /** settle ends a request's in-flight slot (its response closed or finished). */
  private readonly settle = (): void => {
    this.inFlight--;
  };

  /** unhandled is express's last resort, reached only when the error handler itself failed. */
  private unhandled(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    this.logger.error({ err }, 'HTTP API error handler failed');
    this.responder.sendFailure(req as Request, res as ApiResponse, 500, { error: 'Internal server error' });
  }
}

/** RouterHandle is the `router` package's entry point (`router.handle`), which express's types leave out. */
interface RouterHandle {
  handle(req: Request, res: ApiResponse, done: (err?: unknown) => void): void;
}

/** beamsInstances reads `push.beams.instances` (`instance_id=app_id` entries) into a map. */
function beamsInstances(entries: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const entry of entries) {
    const at = entry.indexOf('=');
    if (at <= 0 || at === entry.length - 1) throw new ConfigError(`push.beams.instances: "${entry.slice(0, 80)}" is not instance_id=app_id`);
    map.set(entry.slice(0, at).trim(), entry.slice(at + 1).trim());
  }
  return map;
}
