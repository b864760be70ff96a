import { ConfigError, PUSH_QUEUE, defineService, openPushStores, type Composition, type ProcessContext, type PushStores, type Service } from '@sockudo-ts/shared';
import { PushMetrics } from './metrics.js';
import { providersFromConfig, workerOptionsFromConfig } from './settings.js';
import { PushWorker } from './worker.js';

/**
 * pushWorkerService is the push worker as a Service of a process: it consumes the push queue with the
 * config's limits, delivers through the providers `push.providers.*` enables, and counts into the process's
 * metrics. The push service and the embedded server both run it; stopping closes the provider connections
 * (the queue, which the process closes afterwards, stops the consuming).
 */
export function pushWorkerService(ctx: ProcessContext, stores: PushStores): Service {
  const { config, logger, metrics } = ctx;
  const providers = providersFromConfig(config);
  const worker = new PushWorker({
    ...stores,
    providers,
    logger,
    metrics: new PushMetrics(metrics.registry, metrics.prefix, stores.queue),
    ...workerOptionsFromConfig(config),
  });
  return defineService('push-worker', { start: () => worker.start(), stop: () => providers.close() });
}

/**
 * composePush composes the push service: the push worker consuming the shared `push` queue on Redis (whatever
 * `queue.driver` says for the embedded server), with devices in `push.storage_driver` and statuses in Redis.
 */
export async function composePush(ctx: ProcessContext): Promise<Composition> {
  const { config, drivers } = ctx;
  if (config.push.storage_driver !== 'postgres') throw new ConfigError('push.storage_driver: the push service reads devices from PostgreSQL; set it to "postgres" (memory is for the embedded server)');
  const stores = await openPushStores(config, drivers, 'redis');
  return {
    services: [pushWorkerService(ctx, stores)],
    announce: () => ({
      msg: 'push worker consuming',
      fields: { queue: PUSH_QUEUE, prefix: config.queue.redis.prefix, storage: config.push.storage_driver, pid: process.pid },
      stopping: 'push worker stopping',
    }),
  };
}
