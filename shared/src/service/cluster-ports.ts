import { NatsBus } from '../bus/bus-nats.js';
import { RedisCacheStore } from '../cache/cache-store-redis.js';
import { ConfigError, type ServerConfig } from '../config/config.js';
import { GrpcPresenceClient } from '../presence/presence-grpc.js';
import type { Logger } from '../telemetry/logger.js';

/** ClusterPorts are the distributed implementations a gateway or api process is composed from. */
export interface ClusterPorts {
  bus: NatsBus;
  cache: RedisCacheStore;
  presence: GrpcPresenceClient;
  /** close releases the three connections. */
  close(): Promise<void>;
}

/**
 * connectClusterPorts opens the bus (NATS), the cache (Redis) and the presence client (gRPC) for a
 * separate gateway or api process. It refuses `adapter.driver = local`: a separate process with an
 * in-process bus would silently work per node. Fails with DependencyUnavailable when NATS or Redis
 * does not answer (the presence client connects lazily and reports per call).
 */
export async function connectClusterPorts(service: string, config: ServerConfig, logger: Logger): Promise<ClusterPorts> {
  if (config.adapter.driver !== 'nats') {
    throw new ConfigError(`adapter.driver: a separate ${service} process needs \`nats\` (ADAPTER_DRIVER=nats); with \`local\` it would work per node`);
  }
  const { nats } = config.adapter;
  const bus = await NatsBus.connect({ servers: nats.servers, prefix: nats.prefix, node: config.instance.process_id, logger });
  let cache: RedisCacheStore;
  try {
    cache = await RedisCacheStore.connect({ url: config.database.redis.url, prefix: `${config.database.redis.key_prefix}cache:` });
  } catch (err) {
    await bus.close();
    throw err;
  }
  const presence = new GrpcPresenceClient({ url: config.presence.grpc_url, deadlineMs: config.presence.grpc_deadline_ms });
  return {
    bus,
    cache,
    presence,
    close: async () => {
      presence.close();
      await Promise.all([cache.close(), bus.close()]);
    },
  };
}
