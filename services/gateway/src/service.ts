import {
  createListener,
  listenerSettings,
  defineService,
  healthRoutes,
  openClusterPorts,
  openRateLimits,
  sendJson,
  type Composition,
  type ProcessContext,
} from '@sockudo-ts/shared';
import { Gateway } from './gateway.js';
import { NodeHeartbeat } from './node-heartbeat.js';

/**
 * composeGateway composes the distributed gateway: WebSockets on `port` (`/app/{key}`), fan-out over NATS,
 * presence over gRPC with heartbeats, cache channels in Redis, webhooks queued on Redis. Health on the same
 * port: `GET /`, `/up`, `/up/{app_id}`, and `/ready` (503 while NATS or Redis is unreachable).
 */
export async function composeGateway(ctx: ProcessContext): Promise<Composition> {
  const { config, logger, metrics, nodeId, drivers } = ctx;
  let heartbeat: NodeHeartbeat | undefined;
  // why: a presence call that failed may have lost a leave; the next heartbeat registers the whole node again.
  const ports = await openClusterPorts(ctx, { onUnavailable: () => heartbeat?.markDirty() });
  const { apps, bus, presence, publisher, webhooks, recovery } = ports;
  heartbeat = new NodeHeartbeat(presence, nodeId, config.adapter.cluster_health.heartbeat_interval_ms, logger);
  const limits = await drivers.open(openRateLimits(config, logger, (limit) => metrics.limited.inc({ limit })));
  const gateway = new Gateway({ config, apps, bus, presence, webhooks, metrics, logger, nodeId, publisher, limits, ...(recovery === undefined ? {} : { recovery }) });
  const health = healthRoutes({ apps, probes: () => drivers.probes() });
  const http = createListener(
    'gateway',
    listenerSettings(config),
    {
      request: (req, res) => {
        if (health(req, res)) return;
        sendJson(res, 404, { error: 'Not found: this is a gateway (WebSockets at /app/{key}); the HTTP API is served by the api service' });
      },
      upgrade: (req, socket, head) => gateway.handleUpgrade(req, socket, head),
    },
    logger,
    config,
  );
  const beat = heartbeat;
  return {
    apps,
    // why: the heartbeat stops first, so that a snapshot taken while sockets close never registers them again.
    services: [
      http,
      gateway,
      defineService('node-heartbeat', { start: () => beat.start(() => gateway.snapshot()), stop: () => beat.stop() }),
    ],
    announce: () => ({ msg: `gateway listening on ${http.address}`, fields: { port: http.port } }),
  };
}
