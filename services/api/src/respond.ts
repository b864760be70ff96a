import type { Request, Response } from 'express';
import { ResponseBatch, type App, type HeaderList, type HistogramSeries, type Logger, type Metrics } from '@sockudo-ts/shared';
import { EMPTY_QUERY, type Query } from './middleware/query.js';

/**
 * RequestState is what serving one request has learnt so far, kept in `res.locals`: the metrics and the
 * log line need the app and the route name even when serving fails. It never travels on an error (errors
 * are logged, and the app carries its secret).
 */
export interface RequestState {
  /** started is `performance.now()` (ms) when the request arrived. */
  started: number;
  /** url is the request URL as received (path and query, still URL-encoded), before routing rewrites `req.url`. */
  url: string;
  /** path is the request path as received (still URL-encoded): `url` up to its `?`. */
  path: string;
  /** rawQuery is the query string as received, without `?`. */
  rawQuery: string;
  /** route names the matched route for metrics; `unknown` until one matched. */
  route: string;
  /** app is the app of the path once it was found. */
  app: App | undefined;
  /** query is the query string parsed once (signature middleware); handlers read it. */
  query: Query;
  /** body is the raw request body, read once (signature middleware); empty for GET and HEAD. */
  body: Buffer;
  /** headers are sent with the response whatever its status (the rate limiter's X-RateLimit-* values). */
  headers: Record<string, string> | undefined;
  /** answered is set once the response is given to the Responder (it is written at the end of the turn). */
  answered: boolean;
}

/** ApiResponse is an express response that carries the request's state. */
export type ApiResponse = Response<unknown, RequestState>;

/** newRequestState starts the state of a request that arrived for `url` (path and query). */
export function newRequestState(url: string): RequestState {
  const started = performance.now();
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const rawQuery = q < 0 ? '' : url.slice(q + 1);
  return { started, url, path, rawQuery, route: 'unknown', app: undefined, query: EMPTY_QUERY, body: EMPTY_BODY, headers: undefined, answered: false };
}

const EMPTY_BODY = Buffer.alloc(0);

/** EMPTY_OBJECT is the JSON answer of a handler that returns nothing (ASCII: its length is its byte count). */
const EMPTY_OBJECT = '{}';

/**
 * Responder writes every HTTP API response: JSON with an exact Content-Length in one writeHead + end, at the
 * end of the event-loop turn together with the turn's other responses (ResponseBatch), then the latency
 * histogram, the per-app counters and one debug line (path only: the query carries auth_signature).
 */
export class Responder {
  // why: one latency series per route and status, found by route then status (no label set, and no key
  // string built and hashed, per request).
  private readonly durations = new Map<string, Map<number, HistogramSeries>>();

  private readonly batch: ResponseBatch;

  constructor(
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {
    this.batch = new ResponseBatch((err) => logger.error({ err }, 'HTTP API response could not be written'));
  }

  /** answered tells whether `res` has its answer: given to `send` (and maybe not written yet), or headers sent. */
  private answered(res: ApiResponse): boolean {
    return res.locals.answered || res.headersSent;
  }

  /**
   * sendFailure answers a request that failed, as `send` does, unless it already has its answer: an answer not
   * written yet still goes out (the turn writes it); one whose headers are on the wire is cut (destroy).
   */
  sendFailure(req: Request, res: ApiResponse, status: number, body: unknown, headers?: Record<string, string>): void {
    if (!this.answered(res)) this.send(req, res, status, body, headers);
    else if (res.headersSent) res.destroy();
  }

  /** send answers with `status` and `body` as JSON (undefined as `{}`), plus extra `headers` (Allow, Retry-After). */
  send(req: Request, res: ApiResponse, status: number, body: unknown, headers?: Record<string, string>): void {
    const state = res.locals;
    if (this.answered(res)) {
      // why: a second answer would be a second writeHead on the same response, thrown where no handler catches it.
      this.logger.error({ app_id: state.app?.id, route: state.route, status }, 'HTTP API response answered twice; the second answer is dropped');
      return;
    }
    state.answered = true;
    // why: `{}` is most answers (every plain publish); JSON.stringify costs ~1,000 CPU instructions even for it.
    const text = body === undefined ? EMPTY_OBJECT : JSON.stringify(body);
    const length = body === undefined ? EMPTY_OBJECT.length : Buffer.byteLength(text);
    const head: HeaderList = ['Content-Type', 'application/json', 'Content-Length', length];
    const always = state.headers;
    if (always !== undefined) for (const name of Object.keys(always)) if (headers?.[name] === undefined) head.push(name, always[name]!);
    if (headers !== undefined) for (const name of Object.keys(headers)) head.push(name, headers[name]!);
    // why: a flat name/value list is written as it is; an object is walked key by key.
    this.batch.end(res, status, head, text);
    const seconds = (performance.now() - state.started) / 1000;
    this.duration(state.route, status).observe(seconds);
    const app = state.app;
    if (app !== undefined) {
      const m = this.metrics.app(app.id);
      m.httpCalls.inc();
      m.httpBytesSent.inc(length);
    }
    if (this.logger.isLevelEnabled('debug')) {
      const path = state.path.slice(0, 300);
      const error = status >= 400 ? (body as { error?: string }).error : undefined;
      const ms = Math.round(seconds * 1000);
      this.logger.debug({ app_id: app?.id, method: req.method, path, route: state.route, status, ms, error }, 'HTTP API request');
    }
  }

  private duration(route: string, status: number): HistogramSeries {
    let byStatus = this.durations.get(route);
    if (byStatus === undefined) this.durations.set(route, (byStatus = new Map()));
    let series = byStatus.get(status);
    if (series === undefined) byStatus.set(status, (series = this.metrics.httpDuration.series({ route, status: String(status) })));
    return series;
  }
}
