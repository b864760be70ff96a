import type { ServerConfig } from '@sockudo-ts/shared';
import type { WebhookWorkerOptions } from './worker.js';

/** workerOptionsFromConfig reads the worker's delivery settings (`webhooks.*`, `queue.redis.concurrency`). */
export function workerOptionsFromConfig(config: ServerConfig): Pick<WebhookWorkerOptions, 'timeoutMs' | 'concurrency' | 'batching' | 'maxConcurrentPerApp' | 'circuit'> {
  const { webhooks } = config;
  return {
    timeoutMs: webhooks.timeout_ms,
    concurrency: config.queue.redis.concurrency,
    batching: { enabled: webhooks.batching.enabled, durationMs: webhooks.batching.duration, size: webhooks.batching.size },
    maxConcurrentPerApp: webhooks.max_concurrent_per_app,
    circuit: { threshold: webhooks.circuit_breaker.failure_threshold, cooldownMs: webhooks.circuit_breaker.cooldown_ms },
  };
}
