import type { ServerConfig } from '../config/config.js';
import type { RetryPolicy } from '../queue/job-queue.js';

/** webhookRetryPolicy reads the webhook retry policy (`webhooks.retry.*`) from the config. */
export function webhookRetryPolicy(config: ServerConfig): RetryPolicy {
  const r = config.webhooks.retry;
  return { baseDelayMs: r.base_delay_ms, maxDelayMs: r.max_delay_ms, maxElapsedMs: r.max_elapsed_ms };
}

/** queueRedisUrl is the Redis URL of the job queues: `queue.redis.url_override`, else `database.redis.url`. */
export function queueRedisUrl(config: ServerConfig): string {
  return config.queue.redis.url_override !== '' ? config.queue.redis.url_override : config.database.redis.url;
}
