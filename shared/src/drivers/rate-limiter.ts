import type { DriverSettings, RateLimiterSettings } from '../config/config.js';
import type { Logger } from '../telemetry/logger.js';
import { MemoryRateLimiter } from '../ratelimit/rate-limiter-memory.js';
import { RateLimits, type RateLimitCounter } from '../ratelimit/rate-limits.js';
import type { Opened } from './opened.js';

/**
 * openRateLimits opens the rate limiter the config asks for: undefined while `rate_limiter.enabled` is off;
 * counters in memory (`memory`) or in Redis at database.redis.url under rate_limiter.redis.prefix (`redis`,
 * loaded only then; cluster-wide). `refused` is told of every refusal by limit name (metrics).
 */
export async function openRateLimits(
  config: { rate_limiter: RateLimiterSettings; database: Pick<DriverSettings['database'], 'redis'> },
  logger: Logger,
  refused?: RateLimitCounter,
): Promise<Opened<RateLimits | undefined>> {
  const settings = config.rate_limiter;
  if (!settings.enabled) return { port: undefined, close: async () => undefined };
  if (settings.driver === 'memory') {
    const limits = new RateLimits(new MemoryRateLimiter(), settings, refused);
    return { port: limits, close: () => limits.close() };
  }
  const { RedisRateLimiter } = await import('../ratelimit/rate-limiter-redis.js');
  let warned = 0;
  const limiter = await RedisRateLimiter.connect({
    url: config.database.redis.url,
    prefix: settings.redis.prefix,
    onError: (err) => {
      // why: one line a minute at most; every request would otherwise log while Redis is down.
      if (Date.now() - warned < 60_000) return;
      warned = Date.now();
      logger.warn({ reason: (err as Error).message }, 'rate limiter: Redis unavailable, requests are let through');
    },
  });
  const limits = new RateLimits(limiter, settings, refused);
  return { port: limits, probe: { name: 'redis', ready: () => limiter.isConnected() }, close: () => limits.close() };
}
