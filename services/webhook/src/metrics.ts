import { Counter, Histogram, type Registry } from 'prom-client';
import { registerQueueGauges, type DeadLetterCounter, type JobQueue } from '@sockudo-ts/shared';

/** DeliveryResult is the outcome label of the deliveries counter. */
export type DeliveryResult = 'delivered' | 'retry' | 'rejected';

/**
 * WebhookMetrics are the webhook worker's Prometheus metrics in the server's registry: requests by app and
 * outcome, request latency, and (read from the queue at scrape time) queue depth and dead letters.
 */
export class WebhookMetrics {
  /** deliveries counts webhook requests by app and outcome (one request may carry a batch of events). */
  readonly deliveries: Counter<'app_id' | 'outcome'>;
  /** events counts webhook events by app and outcome. */
  readonly events: Counter<'app_id' | 'outcome'>;
  /** latency is the time from sending a request to its answer (or failure), in seconds. */
  readonly latency: Histogram<'app_id'>;
  /** deferred counts events put back without a request: app at its concurrency cap, or endpoint circuit open. */
  readonly deferred: Counter<'app_id' | 'reason'>;

  constructor(registry: Registry, prefix: string, queue: JobQueue<unknown> & DeadLetterCounter) {
    const registers = [registry];
    this.deliveries = new Counter({
      name: `${prefix}webhook_deliveries_total`,
      help: 'Webhook requests by app and outcome (delivered, retry, rejected)',
      labelNames: ['app_id', 'outcome'],
      registers,
    });
    this.events = new Counter({
      name: `${prefix}webhook_events_total`,
      help: 'Webhook events sent by app and outcome (delivered, retry, rejected)',
      labelNames: ['app_id', 'outcome'],
      registers,
    });
    this.latency = new Histogram({
      name: `${prefix}webhook_delivery_duration_seconds`,
      help: 'Webhook request latency',
      labelNames: ['app_id'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.deferred = new Counter({
      name: `${prefix}webhook_deferred_total`,
      help: 'Webhook events put back without a request, by app and reason (app_concurrency, circuit_open)',
      labelNames: ['app_id', 'reason'],
      registers,
    });
    registerQueueGauges(registry, prefix, 'webhook', 'Webhook', queue);
  }

  /** defer counts events put back without a request. */
  defer(appId: string, reason: 'app_concurrency' | 'circuit_open', events: number): void {
    this.deferred.labels(appId, reason).inc(events);
  }

  /** record counts one request's outcome for its events and observes its latency. */
  record(appId: string, outcome: DeliveryResult, events: number, seconds: number): void {
    this.deliveries.labels(appId, outcome).inc();
    this.events.labels(appId, outcome).inc(events);
    this.latency.labels(appId).observe(seconds);
  }
}
