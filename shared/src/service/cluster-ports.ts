import type { AppStore } from '../apps/app-store.js';
import { NatsBus } from '../bus/bus-nats.js';
import { RedisCacheStore } from '../cache/cache-store-redis.js';
import { ConfigError, type ServerConfig } from '../config/config.js';
import { GrpcPresence } from '../presence/presence-grpc.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { Logger } from '../telemetry/logger.js';
import type { WebhookJob } from '../webhooks/jobs.js';
import { openWebhookQueue } from '../webhooks/settings.js';
import { QueueWebhookSink } from '../webhooks/webhook-sink-queue.js';

/** ClusterPorts are the distributed implementations a gateway or api process is composed from. */
export interface ClusterPorts {
  bus: NatsBus;
  cache: RedisCacheStore;
  presence: GrpcPresence;
  /** webhookQueue is the shared BullMQ `webhooks` queue; the webhook service delivers from it. */
  webhookQueue: JobQueue<WebhookJob>;
  webhooks: QueueWebhookSink;
  /** close flushes queued webhook events and releases every connection. */
  close(): Promise<void>;
}

/**
 * connectClusterPorts opens the bus (NATS), the cache and the webhook queue (Redis) and the presence client
 * (gRPC) for a separate gateway or api process. It refuses `adapter.driver = local`, and always queues
 * webhooks on Redis: a separate process with an in-process bus or queue would silently work per node.
 * Fails with DependencyUnavailable when NATS or Redis does not answer (the presence client connects
 * lazily and reports per call).
 */
export async function connectClusterPorts(service: string, config: ServerConfig, logger: Logger, apps: AppStore): Promise<ClusterPorts> {
  if (config.adapter.driver !== 'nats') {
    throw new ConfigError(`adapter.driver: a separate ${service} process needs \`nats\` (ADAPTER_DRIVER=nats); with \`local\` it would work per node`);
  }
  const { nats } = config.adapter;
  const bus = await NatsBus.connect({ servers: nats.servers, prefix: nats.prefix, node: config.instance.process_id, logger });
  const opened: Array<{ close(): Promise<void> }> = [bus];
  try {
    const cache = await RedisCacheStore.connect({ url: config.database.redis.url, prefix: `${config.database.redis.key_prefix}cache:` });
    opened.push(cache);
    const webhookQueue = await openClusterWebhookQueue(config);
    const webhooks = new QueueWebhookSink(webhookQueue, apps, { vacateDelayMs: config.webhooks.vacate_delay_ms, logger });
    const presence = new GrpcPresence({ url: config.presence.grpc_url, deadlineMs: config.presence.grpc_deadline_ms });
    return {
      bus,
      cache,
      presence,
      webhookQueue,
      webhooks,
      close: async () => {
        presence.close();
        await flushWebhooks(webhooks);
        await Promise.all([webhookQueue.close(), cache.close(), bus.close()]);
      },
    };
  } catch (err) {
    await Promise.all(opened.map((c) => c.close()));
    throw err;
  }
}

/**
 * openClusterWebhookQueue opens the `webhooks` queue of the distributed shape: always BullMQ on Redis,
 * whatever `queue.driver` says for the embedded server (an in-memory queue in a producer process would
 * have no worker).
 */
export function openClusterWebhookQueue(config: ServerConfig): Promise<JobQueue<WebhookJob>> {
  return openWebhookQueue(config, 'redis');
}

/**
 * flushWebhooks waits up to `ms` for queued webhook events to reach the queue, so that a shutdown while
 * Redis is unreachable does not wait forever.
 */
export async function flushWebhooks(webhooks: QueueWebhookSink, ms = 2000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([webhooks.flush(), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
