import { Counter, Histogram, type Registry } from 'prom-client';
import { registerQueueGauges, type DeadLetterCounter, type JobQueue, type Platform } from '@sockudo-ts/shared';

/**
 * NotificationResult is the outcome label of the notifications counter: a provider's answer (`delivered`,
 * `retry`, `invalid_token`, `rejected`), or `expired` for a notification whose time to live ran out before
 * it was sent, or `removed` for a device deleted before its turn came.
 */
export type NotificationResult = 'delivered' | 'retry' | 'invalid_token' | 'rejected' | 'expired' | 'removed';

/**
 * PushMetrics are the push worker's Prometheus metrics in the server's registry: notifications by provider
 * and outcome, provider request latency, publishes planned or refused, and (read from the queue at scrape
 * time) queue depth and dead letters.
 */
export class PushMetrics {
  /** notifications counts one per device and attempt, by provider (apns, fcm, web) and outcome. */
  readonly notifications: Counter<'provider' | 'outcome'>;
  /** latency is the time from sending a request to a provider to its answer (or failure), in seconds. */
  readonly latency: Histogram<'provider'>;
  /** publishes counts publish jobs by outcome: `planned` or `refused`. */
  readonly publishes: Counter<'outcome'>;
  /** recipients counts the devices publishes were planned for, by provider. */
  readonly recipients: Counter<'provider'>;

  constructor(registry: Registry, prefix: string, queue: JobQueue<unknown> & DeadLetterCounter) {
    const registers = [registry];
    this.notifications = new Counter({
      name: `${prefix}push_notifications_total`,
      help: 'Push notifications by provider and outcome (delivered, retry, invalid_token, rejected, expired, removed)',
      labelNames: ['provider', 'outcome'],
      registers,
    });
    this.latency = new Histogram({
      name: `${prefix}push_provider_request_duration_seconds`,
      help: 'Push provider request latency',
      labelNames: ['provider'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.publishes = new Counter({ name: `${prefix}push_publishes_total`, help: 'Push publishes by outcome (planned, refused)', labelNames: ['outcome'], registers });
    this.recipients = new Counter({ name: `${prefix}push_recipients_total`, help: 'Devices push publishes were planned for, by provider', labelNames: ['provider'], registers });
    registerQueueGauges(registry, prefix, 'push', 'Push', queue);
  }

  /** count adds `n` notifications of one provider with one outcome. */
  count(provider: Platform, outcome: NotificationResult, n = 1): void {
    if (n > 0) this.notifications.labels(provider, outcome).inc(n);
  }
}
