import type { ServerConfig } from '../config/config.js';
import { BullMqJobQueue } from '../queue/job-queue-bullmq.js';
import { MemoryJobQueue } from '../queue/job-queue-memory.js';
import type { DeadLetterCounter, JobQueue, RetryPolicy } from '../queue/job-queue.js';
import { WEBHOOK_QUEUE, type WebhookJob } from './jobs.js';

/** webhookRetryPolicy reads the webhook retry policy (`webhooks.retry.*`) from the config. */
export function webhookRetryPolicy(config: ServerConfig): RetryPolicy {
  const r = config.webhooks.retry;
  return { baseDelayMs: r.base_delay_ms, maxDelayMs: r.max_delay_ms, maxElapsedMs: r.max_elapsed_ms };
}

/** queueRedisUrl is the Redis URL of the job queues: `queue.redis.url_override`, else `database.redis.url`. */
export function queueRedisUrl(config: ServerConfig): string {
  return config.queue.redis.url_override !== '' ? config.queue.redis.url_override : config.database.redis.url;
}

/**
 * openWebhookQueue opens the `webhooks` job queue the config asks for: in memory (`queue.driver = "memory"`,
 * the embedded server) or BullMQ on Redis (`"redis"`, what producers of the distributed shape and the
 * webhook service share). Pass `driver` to force one (the webhook service always uses Redis).
 */
export async function openWebhookQueue(config: ServerConfig, driver = config.queue.driver): Promise<JobQueue<WebhookJob> & DeadLetterCounter> {
  const retry = webhookRetryPolicy(config);
  if (driver === 'memory') return new MemoryJobQueue<WebhookJob>(retry);
  return BullMqJobQueue.connect<WebhookJob>({
    url: queueRedisUrl(config),
    name: WEBHOOK_QUEUE,
    prefix: config.queue.redis.prefix,
    retry,
    lockDurationMs: config.queue.redis.lock_duration_ms,
  });
}
