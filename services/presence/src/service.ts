import {
  LocalNodeRegistry,
  LocalPresence,
  defineService,
  openAppStore,
  openBus,
  openPresenceStore,
  openWebhookQueue,
  openWebhookSink,
  serverTlsOf,
  type Composition,
  type ProcessContext,
} from '@sockudo-ts/shared';
import { GrpcPresenceServer } from './presence-server-grpc.js';
import { Reaper } from './reaper.js';

/**
 * composePresence composes the presence service: LocalPresence over the Redis presence store, emitting frames
 * over NATS and webhook events onto the shared Redis queue, served over gRPC on `presence.grpc_host:grpc_port`,
 * with the dead-gateway reaper. Fails with DependencyUnavailable when Redis or NATS cannot be reached at start.
 */
export async function composePresence(ctx: ProcessContext): Promise<Composition> {
  const { config, logger, drivers, metrics } = ctx;
  const health = config.adapter.cluster_health;
  const apps = await drivers.open(openAppStore(config, logger));
  const store = await drivers.open(openPresenceStore(config, 'redis'));
  // why: no publish buffering here: LocalPresence keeps what NATS refused and announces it once NATS is back.
  const bus = await drivers.open(openBus(config, { logger }));
  const queue = await drivers.open(openWebhookQueue(config, 'redis'));
  const webhooks = await drivers.open(openWebhookSink(queue, apps, config, logger, metrics));
  const presence = new LocalPresence(store, bus, apps, webhooks, { subscriptionCountThrottleMs: config.subscription_count.throttle_ms });
  const nodes = new LocalNodeRegistry(store, presence);
  const tls = serverTlsOf(config.presence.grpc_tls);
  const server = new GrpcPresenceServer(presence, nodes, logger, { apps, token: config.presence.grpc_token, ...(tls === undefined ? {} : { tls }) });
  // why: sweeping at a tenth of the timeout removes a dead gateway's users close to node_timeout_ms after its
  // last heartbeat, not up to a whole heartbeat interval later.
  const sweepMs = Math.max(50, Math.min(health.heartbeat_interval_ms, Math.floor(health.node_timeout_ms / 10)));
  const reaper = new Reaper(nodes, sweepMs, health.node_timeout_ms, logger);
  let grpcPort = config.presence.grpc_port;
  return {
    apps,
    services: [
      defineService('presence-announcements', { stop: () => presence.close() }),
      defineService('presence-grpc', {
        start: async () => {
          grpcPort = await server.listen(config.presence.grpc_host, config.presence.grpc_port);
        },
        stop: (grace) => server.stop(grace),
      }),
      defineService('reaper', { start: () => reaper.start(), stop: () => reaper.stop() }),
    ],
    announce: () => ({ msg: `presence service listening on gRPC ${config.presence.grpc_host}:${grpcPort}`, fields: { grpc_port: grpcPort } }),
  };
}
