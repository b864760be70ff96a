import type { Redis } from 'ioredis';
import { openRedis } from '../redis/redis-connection.js';
import { decide, type RateDecision, type RateLimiter } from './rate-limiter.js';

/** RedisRateLimiterOptions say where Redis is and under which key prefix the counters live. */
export interface RedisRateLimiterOptions {
  url: string;
  prefix: string;
  /** onError is told when Redis could not count a hit (the hit is let through). */
  onError?: (err: unknown) => void;
}

// why: one round trip, atomic: the window starts with the key's first hit (INCRBY then PEXPIRE when the
// key has no TTL yet), so gateways whose clocks differ still share one window.
const HIT = `
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return {count, ttl}
`;

/**
 * RedisRateLimiter counts in Redis, so every gateway and api process sharing the prefix shares the limits.
 * While Redis does not answer, hits are allowed and reported to `onError` (fail open).
 */
export class RedisRateLimiter implements RateLimiter {
  private constructor(
    private readonly redis: Redis,
    private readonly options: RedisRateLimiterOptions,
  ) {}

  /** connect opens the Redis connection; fails with DependencyUnavailable when Redis does not answer. */
  static async connect(options: RedisRateLimiterOptions): Promise<RedisRateLimiter> {
    const redis = await openRedis({ url: options.url, commandTimeoutMs: 500 });
    redis.defineCommand('sockudoRateHit', { numberOfKeys: 1, lua: HIT });
    return new RedisRateLimiter(redis, options);
  }

  async hit(key: string, limit: number, windowMs: number, cost = 1): Promise<RateDecision> {
    try {
      const hit = (this.redis as unknown as { sockudoRateHit(k: string, cost: number, ms: number): Promise<[number, number]> }).sockudoRateHit;
      const [count, ttl] = await hit.call(this.redis, this.options.prefix + key, cost, windowMs);
      return decide(count, limit, ttl);
    } catch (err) {
      this.options.onError?.(err);
      return decide(0, limit, windowMs);
    }
  }

  /** isConnected is true while Redis answers (readiness). */
  isConnected(): boolean {
    return this.redis.status === 'ready';
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
