import { Cluster } from 'ioredis';
import { DependencyUnavailable } from '../errors/dependency-unavailable.js';
import { redactUrl } from '../errors/redact.js';
import type { NodeId } from '../ids.js';
import type { Logger } from '../telemetry/logger.js';
import { PubSubBus, type PubSubTransport } from './bus-pubsub.js';
import { quit } from './bus-redis.js';

/** RedisClusterBusOptions say where the Redis Cluster is and how this node names itself and its topics. */
export interface RedisClusterBusOptions {
  /** nodes are seed node URLs, `redis://host:port` or `rediss://host:port` (TLS); the rest is discovered. */
  nodes: string[];
  /** prefix starts every sharded channel name, e.g. `sockudo_cluster:`. */
  prefix: string;
  nodeId: NodeId;
  logger?: Logger;
  /** commandTimeoutMs fails a publish or subscribe that gets no answer in time. Default 5000. */
  commandTimeoutMs?: number;
}

/**
 * RedisClusterBus moves bus messages over a Redis Cluster's sharded pub/sub (SPUBLISH / SSUBSCRIBE, Redis 7):
 * each channel's messages stay on the shard that owns its slot instead of crossing the whole cluster, and
 * this node keeps one subscriber connection per master. ioredis follows slot moves and reconnects forever;
 * while the cluster is down or a shard's master is unreachable, publish and subscribe fail at once with
 * DependencyUnavailable.
 */
export class RedisClusterBus extends PubSubBus {
  /** connect discovers the cluster from the seed nodes; it fails with DependencyUnavailable when none answers. */
  static async connect(options: RedisClusterBusOptions): Promise<RedisClusterBus> {
    const transport = await RedisClusterTransport.open(options);
    const bus = new RedisClusterBus(transport, { prefix: options.prefix, nodeId: options.nodeId });
    try {
      await bus.start();
    } catch (err) {
      await transport.close();
      throw new DependencyUnavailable('redis', 'Redis Cluster is unreachable', `cannot subscribe on ${options.nodes.map(redactUrl).join(', ')}: ${(err as Error).message}`);
    }
    return bus;
  }
}

class RedisClusterTransport implements PubSubTransport {
  readonly dependency = 'redis';
  private receiver: (topic: string, bytes: Buffer) => void = () => undefined;

  private constructor(private readonly cluster: Cluster, logger: Logger | undefined) {
    cluster.on('smessageBuffer', (channel: Buffer, message: Buffer) => this.receiver(channel.toString('utf8'), message));
    let down = false;
    cluster.on('close', () => {
      if (down) return;
      down = true;
      logger?.warn('Redis Cluster bus disconnected; reconnecting');
    });
    cluster.on('ready', () => {
      if (!down) return;
      down = false;
      logger?.info('Redis Cluster bus reconnected');
    });
  }

  static async open(options: RedisClusterBusOptions): Promise<RedisClusterTransport> {
    const seeds = options.nodes.map((url) => {
      const u = new URL(url);
      return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 6379) };
    });
    const first = new URL(options.nodes[0] ?? 'redis://127.0.0.1:6379');
    const tls = options.nodes.some((url) => url.startsWith('rediss://'));
    const cluster = new Cluster(seeds, {
      lazyConnect: true,
      shardedSubscribers: true,
      enableOfflineQueue: false,
      clusterRetryStrategy: (times) => Math.min(100 * times, 1000),
      slotsRefreshTimeout: 2000,
      redisOptions: {
        ...(first.username ? { username: decodeURIComponent(first.username) } : {}),
        ...(first.password ? { password: decodeURIComponent(first.password) } : {}),
        ...(tls ? { tls: {} } : {}),
        maxRetriesPerRequest: 1,
        commandTimeout: options.commandTimeoutMs ?? 5000,
        connectionName: `sockudo-bus-${options.nodeId}`,
      },
    });
    // why: ioredis emits 'error' on every failed reconnect; without a listener Node would crash the process.
    cluster.on('error', () => undefined);
    try {
      await cluster.connect();
    } catch (err) {
      cluster.disconnect();
      throw new DependencyUnavailable('redis', 'Redis Cluster is unreachable', `cannot reach ${options.nodes.map(redactUrl).join(', ')}: ${(err as Error).message}`);
    }
    return new RedisClusterTransport(cluster, options.logger);
  }

  async publish(topic: string, bytes: Buffer): Promise<void> {
    await this.cluster.spublish(topic, bytes);
  }

  async subscribe(topic: string): Promise<void> {
    await this.cluster.ssubscribe(topic);
  }

  async unsubscribe(topic: string): Promise<void> {
    if (this.isConnected()) await this.cluster.sunsubscribe(topic);
  }

  onMessage(receiver: (topic: string, bytes: Buffer) => void): void {
    this.receiver = receiver;
  }

  isConnected(): boolean {
    return this.cluster.status === 'ready';
  }

  async close(): Promise<void> {
    await quit(this.cluster);
  }
}
