import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpApi } from '@sockudo-ts/api';
import { Gateway } from '@sockudo-ts/gateway';
import {
  answerClientError,
  MemoryAppStore,
  MemoryBus,
  MemoryCacheStore,
  MemoryPresenceStore,
  Metrics,
  LocalPresence,
  ChannelPublisher,
  QueueWebhookSink,
  WebhookDeadLetters,
  handleHealth,
  openWebhookQueue,
  sendJson,
  type Logger,
  type ServerConfig,
} from '@sockudo-ts/shared';
import { WebhookMetrics, WebhookWorker, workerOptionsFromConfig } from '@sockudo-ts/webhook';

/** RunningServer is a started embedded server: its bound ports and a stop function. */
export interface RunningServer {
  config: ServerConfig;
  /** port is the bound WebSocket/HTTP port (useful when config.port was 0). */
  port: number;
  /** metricsPort is the bound metrics port, or undefined when metrics are disabled. */
  metricsPort?: number;
  /** stop closes every socket with 4200, waits up to the grace period, and releases every resource. */
  stop(): Promise<void>;
}

/**
 * startStandalone composes the gateway and the HTTP API with the in-memory bus, presence store, cache and
 * app store on one port, and the webhook sink and delivery worker on the in-memory job queue (or on BullMQ
 * with `queue.driver = "redis"`): the embedded server of `npm start`.
 */
export async function startStandalone(config: ServerConfig, logger: Logger): Promise<RunningServer> {
  const apps = new MemoryAppStore(config.app_manager.array.apps);
  const bus = new MemoryBus();
  const store = new MemoryPresenceStore();
  const cache = new MemoryCacheStore();
  const metrics = new Metrics(config.metrics.prometheus.prefix);
  const queue = await openWebhookQueue(config);
  const webhooks = new QueueWebhookSink(queue, apps, { vacateDelayMs: config.webhooks.vacate_delay_ms, logger });
  const webhookMetrics = new WebhookMetrics(metrics.registry, metrics.prefix, queue);
  const worker = new WebhookWorker({ queue, apps, logger, metrics: webhookMetrics, ...workerOptionsFromConfig(config) });
  const presence = new LocalPresence(store, bus, apps, webhooks, {
    subscriptionCountThrottleMs: config.subscription_count.throttle_ms,
  });
  const nodeId = config.instance.process_id;
  const publisher = new ChannelPublisher(bus, cache, config.channel_limits.cache_ttl);
  const gateway = new Gateway({ config, apps, bus, presence, webhooks, metrics, logger, nodeId, publisher });
  const webhookDeadLetters = new WebhookDeadLetters(queue);
  const api = new HttpApi({ config, apps, bus, presence, cache, metrics, logger, webhookDeadLetters, publisher });

  const http: Server = createServer((req, res) => {
    try {
      if (handleHealth(req, res, apps) || api.handle(req, res)) return;
      sendJson(res, 404, { error: 'Not found' });
    } catch (err) {
      // why: a throw in a request listener would take the whole process (every socket) down.
      logger.error({ err, path: (req.url ?? '/').split('?')[0] }, 'HTTP request handler failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'Internal server error' });
      else res.destroy();
    }
  });
  http.keepAliveTimeout = 65_000;
  http.headersTimeout = 66_000;
  http.on('upgrade', (req, socket, head) => gateway.handleUpgrade(req, socket, head));
  http.on('clientError', answerClientError);
  await listen(http, config.port, config.host, 'port').catch(async (err: unknown) => {
    // why: an open BullMQ connection would keep an embedding process alive after a failed start.
    await queue.close();
    throw err;
  });
  let metricsServer: Server | undefined;
  try {
    metricsServer = config.metrics.enabled ? await metrics.serve(config.metrics.host, config.metrics.port) : undefined;
  } catch (err) {
    // why: a half-started server would keep the main port open in an embedding process.
    await new Promise<void>((resolve) => http.close(() => resolve()));
    presence.close();
    await Promise.all([cache.close(), store.close(), bus.close(), queue.close()]);
    throw new ListenError('metrics.port', config.metrics.host, config.metrics.port, err);
  }
  gateway.start();
  worker.start();
  const port = (http.address() as AddressInfo).port;
  const metricsPort = metricsServer ? (metricsServer.address() as AddressInfo).port : undefined;

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await gateway.stop(config.shutdown_grace_period * 1000);
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
      if (metricsServer) await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
      presence.close();
      await webhooks.flush();
      worker.stop();
      await Promise.all([cache.close(), store.close(), bus.close(), queue.close()]);
    })());

  return { config, port, metricsPort, stop };
}

/**
 * ListenError is a listener that could not bind (port in use, no permission); `key` names the config key
 * of the port so that the start-up message can point at it.
 */
export class ListenError extends Error {
  constructor(
    readonly key: string,
    readonly host: string,
    readonly port: number,
    cause: unknown,
  ) {
    const code = (cause as { code?: string }).code;
    const reason = code === 'EADDRINUSE' ? 'address already in use' : code === 'EACCES' ? 'permission denied' : (cause as Error).message;
    super(`cannot listen on ${host}:${port} (config key ${key}): ${reason}`, { cause });
    this.name = 'ListenError';
  }
}

function listen(server: Server, port: number, host: string, key: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (err: unknown): void => reject(new ListenError(key, host, port, err));
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve();
    });
  });
}
