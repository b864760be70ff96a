import { Redis } from 'ioredis';
import { DependencyUnavailable } from '../errors/dependency-unavailable.js';
import { redactUrl } from '../errors/redact.js';

/** RedisOptions say where Redis is and how long one command may take. */
export interface RedisOptions {
  /** url is a `redis://host:port/db` URL. */
  url: string;
  /** commandTimeoutMs fails a command that gets no answer in time. Default 2000. */
  commandTimeoutMs?: number;
}

/**
 * openRedis connects to Redis for a store. It reconnects forever; while disconnected, commands fail at
 * once (no offline queue), so that callers answer with an error instead of hanging. Startup fails with
 * DependencyUnavailable when Redis does not answer.
 */
export async function openRedis(options: RedisOptions): Promise<Redis> {
  const redis = new Redis(options.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs ?? 2000,
    retryStrategy: (times) => Math.min(100 * times, 1000),
  });
  // why: ioredis emits 'error' on every failed reconnect; without a listener Node would crash the process.
  redis.on('error', () => undefined);
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new DependencyUnavailable('redis', 'Redis is unreachable', `cannot reach ${redactUrl(options.url)}: ${(err as Error).message}`);
  }
  return redis;
}

/** redisCall runs a Redis operation and turns connection failures into DependencyUnavailable. */
export async function redisCall<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    if (/ERR|WRONGTYPE|NOSCRIPT/.test(message) && !/Connection|writeable|timed out|closed/i.test(message)) throw err;
    throw new DependencyUnavailable('redis', 'Redis is unavailable', message);
  }
}

/** deleteByPrefix deletes every key that starts with `prefix` (tests and resets; SCAN, never KEYS). */
export async function deleteByPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}
