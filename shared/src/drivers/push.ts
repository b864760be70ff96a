import type { DriverSettings, ServerConfig } from '../config/config.js';
import type { DeviceStore } from '../push/device-store.js';
import { MemoryDeviceStore } from '../push/device-store-memory.js';
import type { PublishStatusStore } from '../push/publish-status.js';
import { MemoryPublishStatusStore } from '../push/publish-status-store-memory.js';
import { PUSH_QUEUE, type PushJob } from '../push/jobs.js';
import type { DeadLetterCounter, JobQueue, RetryPolicy } from '../queue/job-queue.js';
import type { DriverSet, Opened } from './opened.js';
import { openPostgresStore } from './postgres-store.js';
import { openQueue } from './queue.js';

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

/**
 * openDeviceStore opens the push device registry: `memory` in process (the embedded server; gone on restart),
 * or `postgres`: the `push_devices` tables of the project's PostgreSQL database (`database.url`, else
 * `database.postgres`) through Prisma, loaded only then, with a readiness probe. Fails with
 * DependencyUnavailable when the database does not answer and with DatabaseNotMigrated when it lacks the migrations.
 */
export async function openDeviceStore(config: Pick<DriverSettings, 'database'>, driver: 'memory' | 'postgres'): Promise<Opened<DeviceStore>> {
  if (driver === 'memory') {
    const store = new MemoryDeviceStore();
    return { port: store, close: () => store.close() };
  }
  return openPostgresStore(config, 'push device store', async (options) => (await import('../push/device-store-prisma.js')).PrismaDeviceStore.open(options));
}

/** PushStores are what both the push API and the push worker use: the push queue, the devices and the statuses. */
export interface PushStores {
  queue: JobQueue<PushJob> & DeadLetterCounter;
  devices: DeviceStore;
  statuses: PublishStatusStore;
}

/**
 * pushRetry is the push queue's retry policy from `push.retry`: how the worker's follow-up deliveries back
 * off, and how a job that failed outright (its store was down) is retried before it becomes a dead letter.
 */
export function pushRetry(config: Pick<ServerConfig, 'push'>): RetryPolicy {
  const { retry } = config.push;
  return { baseDelayMs: retry.base_delay_ms, maxDelayMs: retry.max_delay_ms, maxElapsedMs: retry.max_elapsed_ms };
}

/**
 * openPushStores opens the push queue (`queue.driver`, or `queueDriver` when a process must use the shared
 * Redis queue), the publish status store (in Redis exactly when the queue is, so that every process sees the
 * statuses the workers record) and the device store (`push.storage_driver`), through `drivers`, which
 * closes them with the process.
 */
export async function openPushStores(config: Pick<ServerConfig, 'push' | 'queue' | 'database'>, drivers: DriverSet, queueDriver?: 'memory' | 'redis'): Promise<PushStores> {
  const driver = queueDriver ?? config.queue.driver;
  const queue = await drivers.open(openQueue<PushJob>(PUSH_QUEUE, config, { retry: pushRetry(config), driver }));
  const statuses = await drivers.open(openPublishStatusStore(config, driver, config.push.publish_status_ttl_seconds));
  const devices = await drivers.open(openDeviceStore(config, config.push.storage_driver));
  return { queue, devices, statuses };
}
