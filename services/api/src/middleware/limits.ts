import type { Request } from 'express';
import { rateLimitHeaders, retryAfterSeconds, tooManyRequests, type App, type RateLimits } from '@sockudo-ts/shared';
import type { ApiResponse } from '../respond.js';

/**
 * rateLimit returns the step that counts an HTTP API request against its client address (before the app is
 * looked up or anything is read): 429 with Retry-After and X-RateLimit-* once over api_rate_limit, and the
 * X-RateLimit-* headers on the response otherwise. Without limits (rate limiter off) it does nothing.
 */
export function rateLimit(limits: RateLimits | undefined): (req: Request, res: ApiResponse) => Promise<void> | undefined {
  if (limits === undefined) return () => undefined;
  return async (req, res) => {
    const address = limits.apiAddress(req.socket.remoteAddress, req.headers['x-forwarded-for']);
    // why: a unix socket peer without a trusted X-Forwarded-For names no client; it is not counted per address.
    if (address === undefined) return;
    const decision = await limits.apiRequest(address);
    if (decision === undefined) return;
    const headers = rateLimitHeaders(decision);
    if (!decision.allowed) throw tooManyRequests(`Too many requests from your address; retry in ${retryAfterSeconds(decision)} s`, headers);
    res.locals.headers = headers;
  };
}

/**
 * limitBackendEvents counts `events` messages (one per channel of each event) against the app's
 * max_backend_events_per_second: 429 with Retry-After once over it.
 */
export async function limitBackendEvents(limits: RateLimits, app: App, events: number): Promise<void> {
  const decision = await limits.backendEvents(app, events);
  if (decision === undefined || decision.allowed) return;
  throw tooManyRequests(`App over max_backend_events_per_second (${app.max_backend_events_per_second}); retry in ${retryAfterSeconds(decision)} s`, rateLimitHeaders(decision));
}
