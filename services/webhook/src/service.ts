import {
  defineService,
  openAppStore,
  openWebhookQueue,
  WEBHOOK_QUEUE,
  type AppStore,
  type Composition,
  type ProcessContext,
  type Service,
  type WebhookQueue,
} from '@sockudo-ts/shared';
import { WebhookMetrics } from './metrics.js';
import { workerOptionsFromConfig } from './settings.js';
import { WebhookWorker } from './worker.js';

/**
 * webhookWorkerService is the webhook worker as a Service of a process: it consumes `queue` with the config's
 * delivery settings and counts into the process's metrics. The webhook service and the embedded server both run it.
 */
export function webhookWorkerService(ctx: ProcessContext, queue: WebhookQueue, apps: AppStore): Service {
  const { config, logger, metrics } = ctx;
  const worker = new WebhookWorker({
    queue,
    apps,
    logger,
    metrics: new WebhookMetrics(metrics.registry, metrics.prefix, queue),
    ...workerOptionsFromConfig(config),
  });
  return defineService('webhook-worker', { start: () => worker.start(), stop: () => worker.stop() });
}

/**
 * composeWebhook composes the webhook service: the webhook worker consuming the shared `webhooks` queue on Redis
 * (whatever `queue.driver` says for the embedded server) and delivering signed webhooks.
 */
export async function composeWebhook(ctx: ProcessContext): Promise<Composition> {
  const { config, drivers } = ctx;
  const apps = await drivers.open(openAppStore(config));
  const queue = await drivers.open(openWebhookQueue(config, 'redis'));
  return {
    apps,
    services: [webhookWorkerService(ctx, queue, apps)],
    announce: () => ({ msg: 'webhook worker consuming', fields: { queue: WEBHOOK_QUEUE, prefix: config.queue.redis.prefix, pid: process.pid }, stopping: 'webhook worker stopping' }),
  };
}
