import type { CacheStore } from '../cache/cache-store.js';
import { MemoryCacheStore } from '../cache/cache-store-memory.js';
import type { DriverSettings } from '../config/config.js';
import type { Opened } from './opened.js';

/**
 * openCache opens the cache store (cache channels' last events, cache-miss markers): `memory` in process, or
 * `redis` (loaded only then) under `database.redis.key_prefix` + `cache:`. Pass `driver` to force one: the
 * separate processes of the distributed shape always share Redis. Fails with DependencyUnavailable when Redis
 * does not answer.
 */
export async function openCache(config: Pick<DriverSettings, 'cache' | 'database'>, driver = config.cache.driver): Promise<Opened<CacheStore>> {
  if (driver === 'memory') {
    const cache = new MemoryCacheStore();
    return { port: cache, close: () => cache.close() };
  }
  const { RedisCacheStore } = await import('../cache/cache-store-redis.js');
  const { redis } = config.database;
  const cache = await RedisCacheStore.connect({ url: redis.url, prefix: `${redis.key_prefix}cache:` });
  return { port: cache, probe: { name: 'redis', ready: () => cache.isConnected() }, close: () => cache.close() };
}
