import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  DependencyUnavailable,
  HttpError,
  asAppId,
  asChannelName,
  asUserId,
  badRequest,
  cacheKey,
  channelNameProblem,
  forbidden,
  isCacheChannel,
  isPresenceChannel,
  notFound,
  readBody,
  sendJson,
  unavailable,
  type App,
  type AppStore,
  type Bus,
  type CacheStore,
  type ChannelName,
  type ChannelPublisher,
  type Logger,
  type Metrics,
  type Presence,
  type UserId,
  type ServerConfig,
  type WebhookDeadLetters,
} from '@sockudo-ts/shared';
import { verifyRequest } from './auth.js';
import { parseEvent, parseInfo, Publisher } from './publish.js';

/** ApiDeps are the ports and settings the HTTP API is composed from. */
export interface ApiDeps {
  config: ServerConfig;
  apps: AppStore;
  bus: Bus;
  presence: Presence;
  cache: CacheStore;
  metrics: Metrics;
  logger: Logger;
  /** publisher sends events to their channels (one pipeline with client events). */
  publisher: ChannelPublisher;
  /** webhookDeadLetters serves the dead-letter routes; without it they answer 404. */
  webhookDeadLetters?: WebhookDeadLetters;
}

/** ApiRequest is a verified request: its app, path below `/apps/{id}`, query and parsed JSON body. */
interface ApiRequest {
  app: App;
  method: string;
  route: string;
  query: URLSearchParams;
  body: unknown;
  /** traceparent is the caller's W3C trace context, passed on with what the request publishes. */
  traceparent?: string;
}

const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;

type Handler = (req: ApiRequest, match: RegExpExecArray) => Promise<unknown>;

/** RequestContext is what serving a request has learnt so far: its app and route name. */
interface RequestContext {
  app?: App;
  route: string;
}

/**
 * HttpApi serves the Pusher HTTP API under `/apps/{app_id}` (PROTOCOL.md §8): signed requests only,
 * JSON errors that name the problem, counts from cluster-wide presence state.
 */
export class HttpApi {
  private readonly publisher: Publisher;
  private readonly routes: Array<{ method: string; pattern: RegExp; name: string; handler: Handler }>;
  private readonly bodyLimit: number;

  constructor(private readonly deps: ApiDeps) {
    this.publisher = new Publisher(deps.publisher, deps.presence);
    this.bodyLimit = Math.round(deps.config.http_api.request_limit_in_mb * 1024 * 1024);
    this.routes = [
      { method: 'POST', pattern: /^\/events$/, name: 'events', handler: (r) => this.events(r) },
      { method: 'POST', pattern: /^\/batch_events$/, name: 'batch_events', handler: (r) => this.batchEvents(r) },
      { method: 'GET', pattern: /^\/channels$/, name: 'channels', handler: (r) => this.channels(r) },
      { method: 'GET', pattern: /^\/channels\/([^/]+)$/, name: 'channel', handler: (r, m) => this.channel(r, checkChannel(r.app, decode(m[1]!))) },
      { method: 'GET', pattern: /^\/channels\/([^/]+)\/users$/, name: 'channel_users', handler: (r, m) => this.users(r, checkChannel(r.app, decode(m[1]!))) },
      {
        method: 'POST',
        pattern: /^\/users\/([^/]+)\/terminate_connections$/,
        name: 'terminate_connections',
        handler: (r, m) => this.terminate(r, asUserId(decode(m[1]!))),
      },
      { method: 'GET', pattern: /^\/webhooks\/dead_letters$/, name: 'webhook_dead_letters', handler: (r) => this.deadLetters(r) },
      {
        method: 'POST',
        pattern: /^\/webhooks\/dead_letters\/([^/]+)\/replay$/,
        name: 'webhook_dead_letter_replay',
        handler: (r, m) => this.replayDeadLetter(r, decode(m[1]!)),
      },
    ];
  }

  /** handle serves a request whose path starts with `/apps/`; returns false for any other path. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? '/';
    if (!url.startsWith('/apps/')) return false;
    const started = process.hrtime.bigint();
    // why: the app and route are learnt while serving and needed for metrics and logs even when serving
    // fails; they travel here, never on the error (an error is logged, and the app carries its secret).
    const ctx: RequestContext = { route: 'unknown' };
    this.serve(req, url, ctx).then(
      (body) => this.respond(req, res, ctx, 200, body ?? {}, started),
      (err: unknown) => {
        const e = err instanceof HttpError ? err : err instanceof DependencyUnavailable ? unavailable(err.message) : undefined;
        if (e === undefined) this.deps.logger.error({ err, app_id: ctx.app?.id, route: ctx.route }, 'HTTP API handler failed');
        const status = e?.status ?? 500;
        this.respond(req, res, ctx, status, { error: e?.message ?? 'Internal server error' }, started, e?.headers);
      },
    );
    return true;
  }

  private respond(
    req: IncomingMessage,
    res: ServerResponse,
    { app, route }: RequestContext,
    status: number,
    body: unknown,
    started: bigint,
    headers?: Record<string, string>,
  ): void {
    const sent = sendJson(res, status, body, headers);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.deps.metrics.httpDuration.observe({ route, status: String(status) }, seconds);
    // why: the path only, never the query: it carries auth_signature. The error says why a call was refused.
    const path = (req.url ?? '/').split('?')[0]!.slice(0, 300);
    const error = status >= 400 ? (body as { error?: string }).error : undefined;
    this.deps.logger.debug({ app_id: app?.id, method: req.method, path, route, status, ms: Math.round(seconds * 1000), error }, 'HTTP API request');
    if (app !== undefined) {
      const m = this.deps.metrics.app(app.id);
      m.httpCalls.inc();
      m.httpBytesSent.inc(sent);
    }
  }

  private async serve(req: IncomingMessage, url: string, ctx: RequestContext): Promise<unknown> {
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
    const match = /^\/apps\/([^/]+)(\/.*)?$/.exec(path);
    if (match === null) throw notFound('Unknown route');
    const app = await this.deps.apps.byId(asAppId(decode(match[1]!)));
    if (app === undefined) throw notFound(`Unknown app ${match[1]!.slice(0, 64)}`);
    ctx.app = app;
    const route = match[2] ?? '/';
    const method = req.method ?? 'GET';
    const body = method === 'GET' || method === 'HEAD' ? Buffer.alloc(0) : await readBody(req, this.bodyLimit);
    this.deps.metrics.app(app.id).httpBytesReceived.inc(body.length);
    verifyRequest(app, method, path, Object.fromEntries(query), body);
    if (!app.enabled) throw forbidden('App is disabled');
    const found = this.routes.find((r) => r.pattern.test(route));
    if (found === undefined) throw notFound(`Unknown route ${route}`);
    if (found.method !== method) throw new HttpError(405, 'method_not_allowed', `Use ${found.method} for ${route}`, { Allow: found.method });
    ctx.route = found.name;
    let json: unknown;
    if (body.length > 0) {
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        throw badRequest('Request body is not valid JSON');
      }
    }
    const trace = req.headers.traceparent;
    const traceparent = typeof trace === 'string' && TRACEPARENT.test(trace) ? trace : undefined;
    return found.handler({ app, method, route, query, body: json, traceparent }, found.pattern.exec(route)!);
  }

  private async events(req: ApiRequest): Promise<unknown> {
    const event = parseEvent(req.app, req.body);
    await this.publisher.publish(req.app, event, req.traceparent);
    if (event.info.size === 0) return {};
    return { channels: await this.publisher.channelInfo(req.app, event) };
  }

  private async batchEvents(req: ApiRequest): Promise<unknown> {
    const batch = (req.body as { batch?: unknown } | undefined)?.batch;
    if (!Array.isArray(batch)) throw badRequest('batch is required and must be a list of events');
    if (batch.length > req.app.max_event_batch_size) throw badRequest(`batch has more than ${req.app.max_event_batch_size} events`);
    const events = batch.map((raw, i) => {
      const event = parseEvent(req.app, raw, `batch[${i}].`);
      if (event.channels.length !== 1) throw badRequest(`batch[${i}].channel: each batch event names exactly one channel`);
      return event;
    });
    await Promise.all(events.map((e) => this.publisher.publish(req.app, e, req.traceparent)));
    if (events.every((e) => e.info.size === 0)) return {};
    const info = await Promise.all(
      events.map(async (e) => (e.info.size === 0 ? {} : (await this.publisher.channelInfo(req.app, e))[e.channels[0]!]!)),
    );
    return { batch: info };
  }

  private async channels(req: ApiRequest): Promise<unknown> {
    const prefix = req.query.get('filter_by_prefix') ?? '';
    const info = parseInfo(req.query.get('info') ?? undefined);
    if (info.has('user_count') && !prefix.startsWith('presence-')) {
      throw badRequest('info=user_count needs filter_by_prefix=presence- (it applies to presence channels only)');
    }
    const all = await this.deps.presence.channels(req.app.id);
    const channels: Record<string, Record<string, number>> = Object.create(null) as Record<string, Record<string, number>>; // why: a channel may be named __proto__
    for (const [name, counts] of all) {
      if (!name.startsWith(prefix) || counts.subscriptionCount === 0) continue;
      const entry: Record<string, number> = {};
      if (info.has('user_count')) entry.user_count = counts.userCount;
      if (info.has('subscription_count')) entry.subscription_count = counts.subscriptionCount;
      channels[name] = entry;
    }
    return { channels };
  }

  private async channel(req: ApiRequest, channel: ChannelName): Promise<unknown> {
    const info = parseInfo(req.query.get('info') ?? undefined);
    if (info.has('user_count') && !isPresenceChannel(channel)) throw badRequest('info=user_count applies to presence channels only');
    if (info.has('cache') && !isCacheChannel(channel)) throw badRequest('info=cache applies to cache channels only');
    const counts = await this.deps.presence.counts(req.app.id, channel);
    const out: Record<string, unknown> = { occupied: counts.subscriptionCount > 0 };
    if (info.has('user_count')) out.user_count = counts.userCount;
    if (info.has('subscription_count')) out.subscription_count = counts.subscriptionCount;
    if (info.has('cache')) {
      const cached = await this.deps.cache.get(cacheKey(req.app.id, channel));
      if (cached !== undefined) {
        const frame = JSON.parse(cached.value) as { data?: string };
        out.cache = { data: frame.data ?? '', ttl: cached.ttlSeconds };
      }
    }
    return out;
  }

  private async users(req: ApiRequest, channel: ChannelName): Promise<unknown> {
    if (!isPresenceChannel(channel)) throw badRequest('Users can only be listed for presence channels');
    const members = await this.deps.presence.members(req.app.id, channel);
    return { users: members.map((m) => ({ id: m.id })) };
  }

  private async terminate(req: ApiRequest, userId: UserId): Promise<unknown> {
    if (userId === '') throw badRequest('user_id is required');
    await this.deps.bus.publishControl({ type: 'terminate_user', app: req.app.id, userId });
    return {};
  }

  private async deadLetters(req: ApiRequest): Promise<unknown> {
    const letters = this.deps.webhookDeadLetters;
    if (letters === undefined) throw notFound('Webhook dead letters are not served by this process');
    return { dead_letters: await letters.list(req.app.id) };
  }

  private async replayDeadLetter(req: ApiRequest, id: string): Promise<unknown> {
    const letters = this.deps.webhookDeadLetters;
    if (letters === undefined) throw notFound('Webhook dead letters are not served by this process');
    if (!(await letters.replay(req.app.id, id))) throw notFound(`No dead letter ${id.slice(0, 64)} for this app`);
    return {};
  }
}

function checkChannel(app: App, channel: string): ChannelName {
  const problem = channelNameProblem(channel, app.max_channel_name_length);
  if (problem !== undefined) throw badRequest(`channel: ${problem}`);
  return asChannelName(channel);
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw badRequest('Path is not valid URL encoding');
  }
}
