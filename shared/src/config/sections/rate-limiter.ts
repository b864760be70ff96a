import { setting } from '../setting.js';

/**
 * RATE_LIMITER are the keys of the abuse limits by client address and by app (Sockudo's `[rate_limiter]`
 * names): HTTP API requests and WebSocket connects per IP in a window, open sockets per IP, and the switch for
 * every app's max_backend_events_per_second.
 */
export const RATE_LIMITER = {
  rate_limiter: {
    enabled: setting.bool(false, { env: ['RATE_LIMITER_ENABLED'], doc: 'Apply the limits below (429 on the HTTP API, 4100 on sockets). Off by default; turn it on in production.' }),
    driver: setting.choice(['memory', 'redis'] as const, 'memory', { env: ['RATE_LIMITER_DRIVER'], doc: 'Where the counters live: `memory` (per process) or `redis` (database.redis.url, shared by every gateway and api: cluster-wide limits).' }),
    api_rate_limit: {
      max_requests: setting.int(100, { env: ['RATE_LIMITER_API_MAX_REQUESTS'], min: 0, doc: 'HTTP API requests one client address may make per window before 429; zero means no limit.' }),
      window_seconds: setting.int(60, { env: ['RATE_LIMITER_API_WINDOW_SECONDS'], min: 1, unit: 's', doc: 'Length of the HTTP API window.' }),
      trust_hops: setting.int(0, { env: ['RATE_LIMITER_API_TRUST_HOPS'], min: 0, max: 10, doc: 'Proxies in front of the server whose X-Forwarded-For entries are trusted: the client address is the entry that many hops from the right; zero ignores the header (a client cannot pick its own address).' }),
    },
    websocket_rate_limit: {
      max_requests: setting.int(20, { env: ['RATE_LIMITER_WEBSOCKET_MAX_REQUESTS'], min: 0, doc: 'WebSocket connects one client address may make per window before it is refused with 4100; zero means no limit.' }),
      window_seconds: setting.int(60, { env: ['RATE_LIMITER_WEBSOCKET_WINDOW_SECONDS'], min: 1, unit: 's', doc: 'Length of the WebSocket connect window.' }),
      trust_hops: setting.int(0, { env: ['RATE_LIMITER_WEBSOCKET_TRUST_HOPS'], min: 0, max: 10, doc: 'Trusted proxies in front of the gateways, as api_rate_limit.trust_hops.' }),
      max_connections_per_ip: setting.int(100, { env: ['RATE_LIMITER_WEBSOCKET_MAX_CONNECTIONS_PER_IP'], min: 0, doc: 'Open sockets one client address may hold (on all gateways with the redis driver, else per gateway) before new ones are refused with 4100; zero means no limit.' }),
    },
    redis: {
      prefix: setting.string('sockudo_rl:', { env: ['RATE_LIMITER_REDIS_PREFIX'], doc: 'Prefix of the rate limiter\'s Redis keys (driver `redis`).' }),
    },
  },
} as const;
