import type { Bus } from '../bus/bus.js';
import { MemoryBus } from '../bus/bus-memory.js';
import { ConfigError, type DriverSettings, type ServerSettings } from '../config/config.js';
import type { RecoveryPolicy } from '../recovery/recovery-log.js';
import type { Logger } from '../telemetry/logger.js';
import type { Opened } from './opened.js';

/** BusDriverOptions tune the bus a process opens. */
export interface BusDriverOptions {
  logger: Logger;
  /**
   * recovery, when given, sequences the events of apps with recovery on through a JetStream stream (NATS
   * only; see JetStreamBus). The embedded server sequences in process instead.
   */
  recovery?: BusRecoveryOptions;
}

/**
 * BusRecoveryOptions are what a sequencing bus needs: which apps and their buffers (`policy`, applied when
 * reading), how long and how many bytes the stream keeps over all channels, and a gap counter.
 */
export interface BusRecoveryOptions {
  policy: RecoveryPolicy;
  /** ttlSeconds is the stream's max age: the largest `ttl_seconds` of any app. */
  ttlSeconds: number;
  /** streamMaxBytes bounds the stream's stored bytes over all channels (`recovery.stream_max_bytes`). */
  streamMaxBytes: number;
  onGapsFilled?: (count: number) => void;
}

/**
 * openBus opens the fan-out bus `adapter.driver` names: `local` is the in-process MemoryBus, `nats` a NatsBus,
 * `redis` a RedisBus, `redis-cluster` (or `redis` with adapter.redis.cluster_mode) a RedisClusterBus (each
 * loaded only then, with a readiness probe). Pass `driver` to force one: the embedded
 * server is always `local`. Fails with DependencyUnavailable when the bus's server does not answer.
 */
export async function openBus(
  config: Pick<DriverSettings, 'adapter' | 'database'> & Pick<ServerSettings, 'instance'>,
  options: BusDriverOptions,
  driver: DriverSettings['adapter']['driver'] = config.adapter.driver,
): Promise<Opened<Bus>> {
  const { adapter } = config;
  const nodeId = config.instance.process_id;
  if (driver === 'local') {
    const bus = new MemoryBus();
    return { port: bus, close: () => bus.close() };
  }
  if (driver !== 'nats' && options.recovery !== undefined) {
    throw new ConfigError(`adapter.driver: recovery (serials, resume) in separate processes sequences events through NATS JetStream; use \`nats\`, not \`${driver}\`, or turn recovery off`);
  }
  if (driver === 'redis-cluster' || (driver === 'redis' && adapter.redis.cluster_mode)) {
    const { RedisClusterBus } = await import('../bus/bus-redis-cluster.js');
    const nodes = adapter.cluster.nodes.length > 0 ? adapter.cluster.nodes : config.database.redis.cluster.nodes;
    if (nodes.length === 0) throw new ConfigError('adapter.cluster.nodes: the redis-cluster bus needs the seed nodes of the Redis Cluster (or database.redis.cluster.nodes, REDIS_CLUSTER_NODES)');
    const bus = await RedisClusterBus.connect({ nodes, prefix: adapter.cluster.prefix, nodeId, logger: options.logger, commandTimeoutMs: adapter.cluster.request_timeout_ms });
    return { port: bus, probe: { name: 'redis-bus', ready: () => bus.isConnected() }, close: () => bus.close() };
  }
  if (driver === 'redis') {
    const { RedisBus } = await import('../bus/bus-redis.js');
    const url = adapter.redis.redis_pub_options.url || config.database.redis.url;
    const bus = await RedisBus.connect({
      url,
      subscribeUrl: adapter.redis.redis_sub_options.url || url,
      prefix: adapter.redis.prefix,
      nodeId,
      logger: options.logger,
      commandTimeoutMs: adapter.redis.requests_timeout,
    });
    return { port: bus, probe: { name: 'redis-bus', ready: () => bus.isConnected() }, close: () => bus.close() };
  }
  const { NatsBus } = await import('../bus/bus-nats.js');
  const n = adapter.nats;
  const auth = { username: n.username, password: n.password, token: n.token, nkeySeed: n.nkey_seed, credsFile: n.creds_file, tls: { caFile: n.tls.ca_file, certFile: n.tls.cert_file, keyFile: n.tls.key_file } };
  const bus = await NatsBus.connect({ servers: n.servers, prefix: n.prefix, nodeId, logger: options.logger, auth });
  const recovery = options.recovery;
  if (recovery === undefined) return { port: bus, probe: { name: 'nats', ready: () => bus.isConnected() }, close: () => bus.close() };
  const { JetStreamBus } = await import('../bus/bus-jetstream.js');
  let sequenced;
  try {
    sequenced = await JetStreamBus.open(bus, { prefix: adapter.nats.prefix, logger: options.logger, ...recovery });
  } catch (err) {
    await bus.close();
    throw err;
  }
  return { port: sequenced, probe: { name: 'nats', ready: () => sequenced.isConnected() }, close: () => sequenced.close() };
}
