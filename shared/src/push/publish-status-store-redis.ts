import type { Redis } from 'ioredis';
import type { AppId, PublishId } from '../ids.js';
import { deleteByPrefix, openRedis, redisCall, type RedisOptions } from '../redis/redis-connection.js';
import { DEFAULT_PUBLISH_STATUS_TTL_SECONDS, withState, type PublishOutcome, type PublishStatus, type PublishStatusStore } from './publish-status.js';

/** RedisPublishStatusStoreOptions add the key prefix and the TTL to the connection options. */
export interface RedisPublishStatusStoreOptions extends RedisOptions {
  /** prefix starts every key this store writes, e.g. `sockudo:push:status:`. */
  prefix: string;
  /** ttlSeconds is `publish_status_ttl_seconds`: how long a status is kept after its last change. */
  ttlSeconds?: number;
}

/**
 * RedisPublishStatusStore keeps publish statuses as Redis hashes, so that the api replica answering a status
 * request sees what every push worker recorded. Counts are HINCRBY, each write renews the key's TTL in the
 * same transaction. While Redis is down, calls fail with DependencyUnavailable.
 */
export class RedisPublishStatusStore implements PublishStatusStore {
  private readonly ttlMs: number;

  private constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    ttlSeconds: number,
  ) {
    this.ttlMs = ttlSeconds * 1000;
  }

  /** connect opens the Redis connection; it fails with DependencyUnavailable when Redis does not answer. */
  static async connect(options: RedisPublishStatusStoreOptions): Promise<RedisPublishStatusStore> {
    return new RedisPublishStatusStore(await openRedis(options), options.prefix, options.ttlSeconds ?? DEFAULT_PUBLISH_STATUS_TTL_SECONDS);
  }

  async accepted(app: AppId, id: PublishId): Promise<void> {
    await this.write(app, id, (m, key) => m.hincrby(key, 'delivered', 0));
  }

  async planned(app: AppId, id: PublishId, recipients: number): Promise<void> {
    await this.write(app, id, (m, key) => m.hset(key, 'recipients', recipients));
  }

  async record(app: AppId, id: PublishId, outcome: PublishOutcome, count: number): Promise<void> {
    await this.write(app, id, (m, key) => m.hincrby(key, outcome, count));
  }

  async refused(app: AppId, id: PublishId, error: string): Promise<void> {
    await this.write(app, id, (m, key) => m.hset(key, 'error', error));
  }

  async get(app: AppId, id: PublishId): Promise<PublishStatus | undefined> {
    const fields = await redisCall(() => this.redis.hgetall(this.key(app, id)));
    if (Object.keys(fields).length === 0) return undefined;
    const n = (name: string): number => Number(fields[name] ?? 0);
    return withState({
      publish_id: id,
      app_id: app,
      delivered: n('delivered'),
      removed: n('removed'),
      failed: n('failed'),
      expired: n('expired'),
      updated_at: n('updated_at'),
      ...(fields.recipients !== undefined ? { recipients: n('recipients') } : {}),
      ...(fields.error !== undefined ? { error: fields.error } : {}),
    });
  }

  /** isConnected is true while the Redis connection is up (readiness). */
  isConnected(): boolean {
    return this.redis.status === 'ready';
  }

  /** clear deletes every key under this store's prefix (tests and resets). */
  clear(): Promise<void> {
    return deleteByPrefix(this.redis, this.prefix);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  private async write(app: AppId, id: PublishId, change: (m: ReturnType<Redis['multi']>, key: string) => unknown): Promise<void> {
    const key = this.key(app, id);
    await redisCall(() => {
      const m = this.redis.multi();
      change(m, key);
      return m.hset(key, 'updated_at', Date.now()).pexpire(key, this.ttlMs).exec();
    });
  }

  // why: app ids and publish ids are encoded, so that no pair of them can name another pair's key.
  private key(app: AppId, id: PublishId): string {
    return `${this.prefix}${encodeURIComponent(app)}:${encodeURIComponent(id)}`;
  }
}
