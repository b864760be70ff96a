import { defineService, openAppStore, openWebhookQueue, WEBHOOK_QUEUE, type Composition, type ProcessContext } from '@sockudo-ts/shared';
import { WebhookMetrics } from './metrics.js';
import { workerOptionsFromConfig } from './settings.js';
import { WebhookWorker } from './worker.js';

/**
 * composeWebhook composes the webhook service: a WebhookWorker consuming the shared `webhooks` queue on Redis
 * (whatever `queue.driver` says for the embedded server) and delivering signed webhooks.
 */
export async function composeWebhook(ctx: ProcessContext): Promise<Composition> {
  const { config, logger, metrics, drivers } = ctx;
  const apps = await drivers.open(openAppStore(config));
  const queue = await drivers.open(openWebhookQueue(config, 'redis'));
  const worker = new WebhookWorker({
    queue,
    apps,
    logger,
    metrics: new WebhookMetrics(metrics.registry, metrics.prefix, queue),
    ...workerOptionsFromConfig(config),
  });
  return {
    apps,
    services: [defineService('webhook-worker', { start: () => worker.start(), stop: () => worker.stop() })],
    announce: () => ({ msg: 'webhook worker consuming', fields: { queue: WEBHOOK_QUEUE, prefix: config.queue.redis.prefix, pid: process.pid }, stopping: 'webhook worker stopping' }),
  };
}
