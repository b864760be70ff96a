import type { AppStore } from '../apps/app-store.js';
import type { DriverSettings, WebhookSettings } from '../config/config.js';
import type { Opened } from '../drivers/opened.js';
import { openQueue } from '../drivers/queue.js';
import type { RetryPolicy } from '../queue/job-queue.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { WEBHOOK_QUEUE, type WebhookJob, type WebhookQueue } from './jobs.js';
import { QueueWebhookSink } from './webhook-sink-queue.js';

/** webhookRetryPolicy reads the webhook retry policy (`webhooks.retry.*`) from the config. */
export function webhookRetryPolicy(config: WebhookSettings): RetryPolicy {
  const r = config.webhooks.retry;
  return { baseDelayMs: r.base_delay_ms, maxDelayMs: r.max_delay_ms, maxElapsedMs: r.max_elapsed_ms };
}

/**
 * openWebhookQueue opens the `webhooks` job queue the config asks for: in memory (`queue.driver = "memory"`,
 * the embedded server) or BullMQ on Redis (`"redis"`), with the webhook retry policy. Pass `driver` to force
 * one: producers and the worker of the distributed shape always share the Redis queue.
 */
export function openWebhookQueue(
  config: Pick<DriverSettings, 'queue' | 'database'> & WebhookSettings,
  driver?: DriverSettings['queue']['driver'],
): Promise<Opened<WebhookQueue>> {
  return openQueue<WebhookJob>(WEBHOOK_QUEUE, config, { retry: webhookRetryPolicy(config), driver, groupOf: (job: WebhookJob) => job.app_id, waitTimeoutMs: config.webhooks.enqueue_timeout_ms });
}

/** FLUSH_ON_CLOSE_MS bounds how long closing waits for held-back events to reach the queue (Redis may be down). */
const FLUSH_ON_CLOSE_MS = 2000;

/**
 * openWebhookSink puts a QueueWebhookSink on a webhook queue, with the config's backlog caps and enqueue
 * timeout (drops counted in `metrics`); closing it waits (at most 2 s) until the events emitted so far are on
 * the queue.
 */
export async function openWebhookSink(queue: WebhookQueue, apps: AppStore, config: WebhookSettings, logger: Logger, metrics?: Metrics): Promise<Opened<QueueWebhookSink>> {
  const w = config.webhooks;
  const sink = new QueueWebhookSink(queue, apps, {
    vacateDelayMs: w.vacate_delay_ms,
    logger,
    maxQueuedPerApp: w.max_queued_per_app,
    maxQueued: w.max_queued,
    enqueueTimeoutMs: w.enqueue_timeout_ms,
    ...(metrics === undefined ? {} : { onDropped: (appId: string, reason: string) => metrics.webhooksDropped.inc({ app_id: appId, reason }) }),
  });
  return {
    port: sink,
    close: async () => {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([sink.flush(), new Promise<void>((resolve) => (timer = setTimeout(resolve, FLUSH_ON_CLOSE_MS)))]);
      clearTimeout(timer);
    },
  };
}
