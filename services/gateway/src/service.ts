import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ChannelPublisher,
  MemoryAppStore,
  answerClientError,
  Metrics,
  connectClusterPorts,
  handleHealth,
  listen,
  sendJson,
  type Logger,
  type ServerConfig,
} from '@sockudo-ts/shared';
import { Gateway } from './gateway.js';
import { NodeHeartbeat } from './node-heartbeat.js';

/** RunningGateway is a started gateway process: its bound ports and a stop function. */
export interface RunningGateway {
  port: number;
  metricsPort?: number;
  stop(): Promise<void>;
}

/**
 * startGateway composes the distributed gateway: WebSockets on `config.port`, fan-out over NATS, presence
 * over gRPC with heartbeats, cache channels in Redis. Health: `GET /`, `/up`, `/up/{app_id}`, and
 * `/ready` (503 while NATS is unreachable).
 */
export async function startGateway(config: ServerConfig, logger: Logger): Promise<RunningGateway> {
  const nodeId = config.instance.process_id;
  const apps = new MemoryAppStore(config.app_manager.array.apps);
  const metrics = new Metrics(config.metrics.prometheus.prefix);
  const ports = await connectClusterPorts('gateway', config, logger, apps);
  const { bus, cache, presence: client, webhooks } = ports;
  const heartbeat = new NodeHeartbeat(client, nodeId, config.adapter.cluster_health.heartbeat_interval_ms, logger);
  const presence = heartbeat.watch(client);
  const publisher = new ChannelPublisher(bus, cache, config.channel_limits.cache_ttl);
  const gateway = new Gateway({ config, apps, bus, presence, webhooks, metrics, logger, nodeId, publisher });

  const http: Server = createServer((req, res) => {
    if (req.url === '/ready') return sendJson(res, bus.isConnected() ? 200 : 503, { nats: bus.isConnected() });
    if (handleHealth(req, res, apps)) return;
    sendJson(res, 404, { error: 'Not found: this is a gateway (WebSockets at /app/{key}); the HTTP API is served by the api service' });
  });
  http.on('upgrade', (req, socket, head) => gateway.handleUpgrade(req, socket, head));
  http.on('clientError', answerClientError);
  await listen(http, config.port, config.host);
  await gateway.start();
  await heartbeat.start(() => gateway.snapshot());
  const metricsServer = config.metrics.enabled ? await metrics.serve(config.metrics.host, config.metrics.port) : undefined;

  return {
    port: (http.address() as AddressInfo).port,
    metricsPort: metricsServer ? (metricsServer.address() as AddressInfo).port : undefined,
    stop: async () => {
      // why: a snapshot taken while sockets close would register them again after they left.
      await heartbeat.stop();
      await gateway.stop(config.shutdown_grace_period * 1000);
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
      if (metricsServer) await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
      await ports.close();
    },
  };
}
