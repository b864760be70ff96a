import type { AddressInfo } from 'node:net';
import {
  MemoryAppStore,
  Metrics,
  NatsBus,
  QueueWebhookSink,
  flushWebhooks,
  openClusterWebhookQueue,
  LocalNodeRegistry,
  LocalPresence,
  RedisPresenceStore,
  type Logger,
  type ServerConfig,
} from '@sockudo-ts/shared';
import { GrpcPresenceServer } from './presence-server-grpc.js';
import { Reaper } from './reaper.js';

/** RunningPresence is a started presence service: its bound ports and a stop function. */
export interface RunningPresence {
  grpcPort: number;
  metricsPort?: number;
  stop(): Promise<void>;
}

/**
 * startPresence composes the presence service: PresenceOwner over a RedisPresenceStore, emitting frames over
 * a NatsBus and webhook events onto the shared BullMQ queue, served over gRPC, with the dead-gateway reaper. Fails with DependencyUnavailable when Redis or
 * NATS cannot be reached at start.
 */
export async function startPresence(config: ServerConfig, logger: Logger): Promise<RunningPresence> {
  const node = config.instance.process_id;
  const { cluster_health: health, nats } = config.adapter;
  const store = await RedisPresenceStore.connect({ url: config.database.redis.url, prefix: `${config.database.redis.key_prefix}presence:` });
  // why: a member leaving during a NATS outage must still be announced once NATS is back.
  const bus = await NatsBus.connect({ servers: nats.servers, prefix: nats.prefix, node, logger, bufferWhileReconnecting: true }).catch(async (err: unknown) => {
    await store.close();
    throw err;
  });
  const queue = await openClusterWebhookQueue(config).catch(async (err: unknown) => {
    await Promise.all([store.close(), bus.close()]);
    throw err;
  });
  const apps = new MemoryAppStore(config.app_manager.array.apps);
  const metrics = new Metrics(config.metrics.prometheus.prefix);
  const webhooks = new QueueWebhookSink(queue, apps, { vacateDelayMs: config.webhooks.vacate_delay_ms, logger });
  const owner = new LocalPresence(store, bus, apps, webhooks, { subscriptionCountThrottleMs: config.subscription_count.throttle_ms });
  const nodes = new LocalNodeRegistry(store, owner);
  const server = new GrpcPresenceServer(owner, nodes, logger);
  const grpcPort = await server.listen(config.presence.grpc_host, config.presence.grpc_port);
  // why: sweeping at a tenth of the timeout removes a dead gateway's users close to node_timeout_ms after
  // its last heartbeat, not up to a whole heartbeat interval later.
  const sweepMs = Math.max(50, Math.min(health.heartbeat_interval_ms, Math.floor(health.node_timeout_ms / 10)));
  const reaper = new Reaper(nodes, sweepMs, health.node_timeout_ms, logger);
  reaper.start();
  const metricsServer = config.metrics.enabled ? await metrics.serve(config.metrics.host, config.metrics.port) : undefined;

  return {
    grpcPort,
    metricsPort: metricsServer ? (metricsServer.address() as AddressInfo).port : undefined,
    stop: async () => {
      await reaper.stop();
      await server.stop(config.shutdown_grace_period * 1000);
      if (metricsServer) await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
      owner.close();
      await flushWebhooks(webhooks);
      await Promise.all([queue.close(), store.close(), bus.close()]);
    },
  };
}
