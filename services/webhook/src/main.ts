import { ConfigError, MemoryAppStore, Metrics, WEBHOOK_QUEUE, createLogger, loadConfig, openWebhookQueue } from '@sockudo-ts/shared';
import { WebhookMetrics } from './metrics.js';
import { workerOptionsFromConfig } from './settings.js';
import { WebhookWorker } from './worker.js';

// The webhook service: consumes the `webhooks` BullMQ queue on REDIS_URL and delivers signed webhooks.
let config;
try {
  config = loadConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`sockudo-ts webhook: configuration error: ${err.message}\n`);
  process.exit(1);
}
const logger = createLogger({ level: config.debug ? 'debug' : config.log_level, service: 'webhook' });
const apps = new MemoryAppStore(config.app_manager.array.apps);
// why: the service only makes sense on the shared Redis queue, whatever queue.driver says for embedded use.
const queue = await openWebhookQueue(config, 'redis').catch((err: unknown) => {
  logger.fatal({ err: (err as Error).message }, 'webhook worker cannot start');
  process.exit(1);
});
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

const shutdown = (signal: string): void => {
  logger.info({ signal }, 'webhook worker stopping');
  worker.stop();
  queue
    .close()
    .then(() => new Promise<void>((resolve) => (metricsServer ? metricsServer.close(() => resolve()) : resolve())))
    .then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
};
process.once('SIGTERM', () => shutdown('SIGTERM'));
process.once('SIGINT', () => shutdown('SIGINT'));
