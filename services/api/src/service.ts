import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ChannelPublisher,
  MemoryAppStore,
  WebhookDeadLetters,
  answerClientError,
  Metrics,
  connectClusterPorts,
  handleHealth,
  listen,
  sendJson,
  type Logger,
  type ServerConfig,
} from '@sockudo-ts/shared';
import { HttpApi } from './api.js';

/** RunningApi is a started api process: its bound ports and a stop function. */
export interface RunningApi {
  port: number;
  metricsPort?: number;
  stop(): Promise<void>;
}

/**
 * startApi composes the distributed HTTP API: `/apps/*` on `config.port`, publishing over NATS, counts
 * and members from the presence service over gRPC, cache channels in Redis. Health: `GET /`, `/up`,
 * `/up/{app_id}`, and `/ready` (503 while NATS is unreachable).
 */
export async function startApi(config: ServerConfig, logger: Logger): Promise<RunningApi> {
  const apps = new MemoryAppStore(config.app_manager.array.apps);
  const metrics = new Metrics(config.metrics.prometheus.prefix);
  const ports = await connectClusterPorts('api', config, logger, apps);
  const { bus, cache, presence } = ports;
  const webhookDeadLetters = new WebhookDeadLetters(ports.webhookQueue);
  const publisher = new ChannelPublisher(bus, cache, config.channel_limits.cache_ttl);
  const api = new HttpApi({ config, apps, bus, presence, cache, metrics, logger, webhookDeadLetters, publisher });

  const http: Server = createServer(api.serverOptions, (req, res) => {
    if (req.url === '/ready') return sendJson(res, bus.isConnected() ? 200 : 503, { nats: bus.isConnected() });
    if (handleHealth(req, res, apps) || api.handle(req, res)) return;
    sendJson(res, 404, { error: 'Not found: this is the api service (HTTP API at /apps/{app_id}); WebSockets are served by the gateways' });
  });
  http.keepAliveTimeout = 65_000;
  http.headersTimeout = 66_000;
  http.on('clientError', answerClientError);
  await listen(http, config.port, config.host);
  const metricsServer = config.metrics.enabled ? await metrics.serve(config.metrics.host, config.metrics.port) : undefined;

  return {
    port: (http.address() as AddressInfo).port,
    metricsPort: metricsServer ? (metricsServer.address() as AddressInfo).port : undefined,
    stop: async () => {
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeIdleConnections();
        setTimeout(() => http.closeAllConnections(), config.shutdown_grace_period * 1000).unref();
      });
      if (metricsServer) await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
      await ports.close();
    },
  };
}
