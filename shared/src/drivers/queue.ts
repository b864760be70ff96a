import type { DriverSettings } from '../config/config.js';
import { MemoryJobQueue } from '../queue/job-queue-memory.js';
import type { DeadLetterCounter, DeadLetterWriter, GroupedQueue, JobQueue, RetryPolicy } from '../queue/job-queue.js';
import type { Opened } from './opened.js';

/** QueueDriverOptions choose a queue's retry policy and, optionally, force its driver. */
export interface QueueDriverOptions {
  retry: RetryPolicy;
  /** driver overrides `queue.driver`: a worker process always consumes the shared Redis queue. */
  driver?: DriverSettings['queue']['driver'];
  /** groupOf names a job's group (its app), for the per-group backlog count of either queue (`groupDepth`). */
  groupOf?: (job: never) => string;
  /** waitTimeoutMs bounds each producer/reader wait on Redis (BullMQ only; the memory queue never waits). Default 2000. */
  waitTimeoutMs?: number;
}

/** queueRedisUrl is the Redis URL of the job queues: `queue.redis.url_override`, else `database.redis.url`. */
export function queueRedisUrl(config: Pick<DriverSettings, 'queue' | 'database'>): string {
  return config.queue.redis.url_override !== '' ? config.queue.redis.url_override : config.database.redis.url;
}

/**
 * openQueue opens the job queue `name` (`webhooks`, `push`): in memory (`queue.driver = "memory"`, the embedded
 * server) or BullMQ on Redis (`"redis"`, loaded only then), shared by the producers and workers of the
 * distributed shape; both count dead letters and each group's backlog, and can file a refused job as a dead
 * letter. Fails when Redis does not answer.
 */
export async function openQueue<T>(
  name: string,
  config: Pick<DriverSettings, 'queue' | 'database'>,
  options: QueueDriverOptions,
): Promise<Opened<JobQueue<T> & DeadLetterCounter & GroupedQueue & DeadLetterWriter<T>>> {
  const driver = options.driver ?? config.queue.driver;
  if (driver === 'memory') {
    const queue = new MemoryJobQueue<T>({ retry: options.retry, groupOf: options.groupOf as ((job: T) => string) | undefined });
    return { port: queue, close: () => queue.close() };
  }
  const { BullMqJobQueue } = await import('../queue/job-queue-bullmq.js');
  const queue = await BullMqJobQueue.connect<T>({
    url: queueRedisUrl(config),
    name,
    prefix: config.queue.redis.prefix,
    retry: options.retry,
    lockDurationMs: config.queue.redis.lock_duration_ms,
    groupOf: options.groupOf as ((job: T) => string) | undefined,
    addTimeoutMs: options.waitTimeoutMs,
  });
  return { port: queue, probe: { name: 'redis', ready: () => queue.isConnected() }, close: () => queue.close() };
}
