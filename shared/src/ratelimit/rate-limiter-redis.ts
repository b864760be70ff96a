import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { openRedis } from '../redis/redis-connection.js';
import { decide, type RateDecision, type RateLimiter, type SharedConcurrency } from './rate-limiter.js';

/** RedisRateLimiterOptions say where Redis is and under which key prefix the counters live. */
export interface RedisRateLimiterOptions {
  url: string;
  prefix: string;
  /** openTtlMs is how long a process's count of open sockets lives without a refresh. Default 60000. */
  openTtlMs?: number;
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

// why: each process keeps its own count under `<key>:<process>` (expiring unless refreshed) and the key's set
// lists the processes; the total is summed over live counts, so a process that died stops counting once its
// count expires instead of holding an address's slots for ever.
const ACQUIRE = `
local total = 0
for _, p in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local c = redis.call('GET', KEYS[1] .. ':' .. p)
  if c then total = total + tonumber(c) else redis.call('SREM', KEYS[1], p) end
end
if total >= tonumber(ARGV[2]) then return 0 end
local mine = KEYS[1] .. ':' .. ARGV[1]
redis.call('INCR', mine)
redis.call('PEXPIRE', mine, ARGV[3])
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

const RELEASE = `
local mine = KEYS[1] .. ':' .. ARGV[1]
if redis.call('DECR', mine) <= 0 then
  redis.call('DEL', mine)
  redis.call('SREM', KEYS[1], ARGV[1])
end
return 1
`;

/** OPEN_TTL_MS is how long a process's open-socket count lives without a refresh (RateLimits refreshes every 20 s). */
const OPEN_TTL_MS = 60_000;

/**
 * RedisRateLimiter counts in Redis, so every gateway and api process sharing the prefix shares the limits.
 * While Redis does not answer, hits are allowed and reported to `onError` (fail open).
 */
export class RedisRateLimiter implements RateLimiter, SharedConcurrency {
  /** process names this process's counts of open sockets. */
  private readonly process = randomUUID();

  private constructor(
    private readonly redis: Redis,
    private readonly options: RedisRateLimiterOptions,
  ) {}

  /** connect opens the Redis connection; fails with DependencyUnavailable when Redis does not answer. */
  static async connect(options: RedisRateLimiterOptions): Promise<RedisRateLimiter> {
    const redis = await openRedis({ url: options.url, commandTimeoutMs: 500 });
    redis.defineCommand('sockudoRateHit', { numberOfKeys: 1, lua: HIT });
    redis.defineCommand('sockudoOpenAcquire', { numberOfKeys: 1, lua: ACQUIRE });
    redis.defineCommand('sockudoOpenRelease', { numberOfKeys: 1, lua: RELEASE });
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

  async acquire(key: string, limit: number): Promise<boolean> {
    try {
      const acquire = (this.redis as unknown as { sockudoOpenAcquire(k: string, p: string, limit: number, ttl: number): Promise<number> }).sockudoOpenAcquire;
      return (await acquire.call(this.redis, this.options.prefix + key, this.process, limit, this.options.openTtlMs ?? OPEN_TTL_MS)) === 1;
    } catch (err) {
      this.options.onError?.(err);
      return true;
    }
  }

  release(key: string): void {
    const release = (this.redis as unknown as { sockudoOpenRelease(k: string, p: string): Promise<number> }).sockudoOpenRelease;
    release.call(this.redis, this.options.prefix + key, this.process).catch((err: unknown) => this.options.onError?.(err));
  }

  async refresh(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    try {
      const pipeline = this.redis.pipeline();
      for (const key of keys) {
        const ttl = this.options.openTtlMs ?? OPEN_TTL_MS;
        pipeline.pexpire(this.options.prefix + key + ':' + this.process, ttl);
        pipeline.sadd(this.options.prefix + key, this.process);
        pipeline.pexpire(this.options.prefix + key, ttl);
      }
      await pipeline.exec();
    } catch (err) {
      this.options.onError?.(err);
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
