import type { Redis } from 'ioredis';
import { deleteByPrefix, openRedis, redisCall, type RedisOptions } from '../redis/redis-connection.js';
import type { CachedValue, CacheStore } from './cache-store.js';

/** RedisCacheStoreOptions add the key prefix to the connection options. */
export interface RedisCacheStoreOptions extends RedisOptions {
  /** prefix starts every key this store writes, e.g. `sockudo:cache:`. */
  prefix: string;
}

/**
 * RedisCacheStore keeps cache-channel values in Redis with their TTL, shared by every gateway and api
 * replica. While Redis is down, calls fail with DependencyUnavailable.
 */
export class RedisCacheStore implements CacheStore {
  private constructor(private readonly redis: Redis, private readonly prefix: string) {}

  /** connect opens the Redis connection; it fails with DependencyUnavailable when Redis does not answer. */
  static async connect(options: RedisCacheStoreOptions): Promise<RedisCacheStore> {
    return new RedisCacheStore(await openRedis(options), options.prefix);
  }

  async get(key: string): Promise<CachedValue | undefined> {
    const k = this.prefix + key;
    const replies = await redisCall(() => this.redis.multi().get(k).pttl(k).exec());
    const value = replies?.[0]?.[1] as string | null | undefined;
    const ttlMs = Number(replies?.[1]?.[1] ?? -2);
    if (value === null || value === undefined || ttlMs <= 0) return undefined;
    return { value, ttlSeconds: Math.ceil(ttlMs / 1000) };
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    await redisCall(() => this.redis.set(this.prefix + key, value, 'EX', ttlSeconds));
  }

  async setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    return (await redisCall(() => this.redis.set(this.prefix + key, value, 'EX', ttlSeconds, 'NX'))) === 'OK';
  }

  async delete(key: string): Promise<void> {
    await redisCall(() => this.redis.del(this.prefix + key));
  }

  /** clear deletes every key under this store's prefix (tests and resets). */
  clear(): Promise<void> {
    return deleteByPrefix(this.redis, this.prefix);
  }

  /** isConnected is true while the Redis connection is up (readiness). */
  isConnected(): boolean {
    return this.redis.status === 'ready';
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
