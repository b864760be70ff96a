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
    // why: an open circuit never keeps a receiver that is back waiting longer than the retries themselves would
    // (webhooks.retry.max_delay_ms); a longer cooldown also made a replayed dead letter spend its whole retry
    // budget against the open circuit and die again without one request.
    circuit: { threshold: webhooks.circuit_breaker.failure_threshold, cooldownMs: Math.min(webhooks.circuit_breaker.cooldown_ms, webhooks.retry.max_delay_ms) },
  };
}
