import type { DriverSettings } from '../config/config.js';
import type { PublishStatusStore } from '../push/publish-status.js';
import { MemoryPublishStatusStore } from '../push/publish-status-store-memory.js';
import type { Opened } from './opened.js';

/**
 * openPublishStatusStore opens the store of push publish statuses, kept `ttlSeconds` after their last change
 * (`publish_status_ttl_seconds`): `memory` in process (the embedded server), or `redis` (loaded only then)
 * under `database.redis.key_prefix` + `push:status:`, so that the api replica asked for a status sees what
 * the push workers recorded. Fails with DependencyUnavailable when Redis does not answer.
 */
export async function openPublishStatusStore(config: Pick<DriverSettings, 'database'>, driver: 'memory' | 'redis', ttlSeconds: number): Promise<Opened<PublishStatusStore>> {
  if (driver === 'memory') {
    const store = new MemoryPublishStatusStore(ttlSeconds);
    return { port: store, close: () => store.close() };
  }
  const { RedisPublishStatusStore } = await import('../push/publish-status-store-redis.js');
  const { redis } = config.database;
  const store = await RedisPublishStatusStore.connect({ url: redis.url, prefix: `${redis.key_prefix}push:status:`, ttlSeconds });
  return { port: store, probe: { name: 'redis', ready: () => store.isConnected() }, close: () => store.close() };
}
