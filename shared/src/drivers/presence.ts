import type { DriverSettings, PresenceSettings } from '../config/config.js';
import type { DependencyUnavailable } from '../errors/dependency-unavailable.js';
import { clientTlsOf } from '../grpc/grpc-auth-config.js';
import type { NodeRegistry } from '../presence/node-registry.js';
import type { Presence } from '../presence/presence.js';
import { MemoryPresenceStore } from '../presence/presence-store-memory.js';
import type { PresenceStore } from '../presence/presence-store.js';
import type { Opened } from './opened.js';

/**
 * openPresenceStore opens the store of cluster-wide presence state: in memory (one process), or Redis
 * (loaded only then) under `database.redis.key_prefix` + `presence:` for the presence service.
 */
export async function openPresenceStore(config: Pick<DriverSettings, 'database'>, driver: 'memory' | 'redis'): Promise<Opened<PresenceStore>> {
  if (driver === 'memory') {
    const store = new MemoryPresenceStore();
    return { port: store, close: () => store.close() };
  }
  const { RedisPresenceStore } = await import('../presence/presence-store-redis.js');
  const { redis } = config.database;
  const store = await RedisPresenceStore.connect({ url: redis.url, prefix: `${redis.key_prefix}presence:` });
  return { port: store, probe: { name: 'redis', ready: () => store.isConnected() }, close: () => store.close() };
}

/** RemotePresenceOptions tune the presence client of a gateway or api process. */
export interface RemotePresenceOptions {
  /** onUnavailable is told of every call that failed because the presence service is unreachable. */
  onUnavailable?: (err: DependencyUnavailable) => void;
}

/**
 * openRemotePresence opens the client of the presence service (gRPC, loaded only then) at
 * `presence.grpc_url`, for gateways and api replicas, with the shared token and TLS files of `presence.grpc_*`. It
 * connects lazily: each call reports its own failure.
 */
export async function openRemotePresence(
  config: Pick<PresenceSettings, 'presence'>,
  options: RemotePresenceOptions = {},
): Promise<Opened<Presence & NodeRegistry>> {
  const { GrpcPresence } = await import('../presence/presence-grpc.js');
  const p = config.presence;
  const tls = clientTlsOf(p.grpc_tls);
  const client = new GrpcPresence({ url: p.grpc_url, deadlineMs: p.grpc_deadline_ms, token: p.grpc_token, ...(tls === undefined ? {} : { tls }), ...options });
  return { port: client, close: async () => client.close() };
}
