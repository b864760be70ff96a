import { MemoryAppStore, Metrics, WEBHOOK_QUEUE, bootConfig, openWebhookQueue, startOrExit, stopOnSignals } from '@sockudo-ts/shared';
import { WebhookMetrics } from './metrics.js';
import { workerOptionsFromConfig } from './settings.js';
import { WebhookWorker } from './worker.js';

// The webhook service: consumes the `webhooks` BullMQ queue on REDIS_URL and delivers signed webhooks.
const { config, logger } = bootConfig('webhook');
const apps = new MemoryAppStore(config.app_manager.array.apps);
// why: the service only makes sense on the shared Redis queue, whatever queue.driver says for embedded use.
const queue = await startOrExit(logger, () => openWebhookQueue(config, 'redis'));
const metrics = new Metrics(config.metrics.prometheus.prefix);
const worker = new WebhookWorker({
  queue,
  apps,
  logger,
  metrics: new WebhookMetrics(metrics.registry, metrics.prefix, queue),
  ...workerOptionsFromConfig(config),
});
worker.start();
const metricsServer = config.metrics.enabled ? await metrics.serve(config.metrics.host, config.metrics.port) : undefined;
logger.info({ queue: WEBHOOK_QUEUE, prefix: config.queue.redis.prefix, pid: process.pid }, 'webhook worker consuming');

stopOnSignals(
  logger,
  async () => {
    worker.stop();
    await queue.close();
    await new Promise<void>((resolve) => (metricsServer ? metricsServer.close(() => resolve()) : resolve()));
  },
  'webhook worker stopping',
);
