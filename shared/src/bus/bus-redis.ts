import { Redis } from 'ioredis';
import { DependencyUnavailable } from '../errors/dependency-unavailable.js';
import { redactUrl } from '../errors/redact.js';
import type { NodeId } from '../ids.js';
import type { Logger } from '../telemetry/logger.js';
import { PubSubBus, type PubSubTransport } from './bus-pubsub.js';

/** RedisBusOptions say where Redis is and how this node names itself and its topics. */
export interface RedisBusOptions {
  /** url is the Redis the bus publishes on, `redis://[user:password@]host:port/db`. */
  url: string;
  /** subscribeUrl is the Redis the bus subscribes on; default `url`. Both must reach the same pub/sub. */
  subscribeUrl?: string;
  /** prefix starts every pub/sub channel name, e.g. `sockudo_adapter:`. */
  prefix: string;
  nodeId: NodeId;
  logger?: Logger;
  /** commandTimeoutMs fails a publish or subscribe that gets no answer in time. Default 5000. */
  commandTimeoutMs?: number;
}

/**
 * RedisBus moves bus messages over Redis pub/sub (PUBLISH / SUBSCRIBE) on two connections, one to publish and
 * one in subscriber mode. Both reconnect forever and the subscriber resubscribes its channels by itself;
 * while either is disconnected, publish and subscribe fail at once with DependencyUnavailable. Messages
 * published while Redis is down are not kept (pub/sub keeps nothing): the publisher is told instead.
 */
export class RedisBus extends PubSubBus {
  /** connect opens both connections; it fails with DependencyUnavailable when Redis does not answer. */
  static async connect(options: RedisBusOptions): Promise<RedisBus> {
    const transport = await RedisTransport.open(options);
    const bus = new RedisBus(transport, { prefix: options.prefix, nodeId: options.nodeId });
    try {
      await bus.start();
    } catch (err) {
      await transport.close();
      throw new DependencyUnavailable('redis', 'Redis is unreachable', `cannot subscribe on ${redactUrl(options.subscribeUrl ?? options.url)}: ${(err as Error).message}`);
    }
    return bus;
  }
}

class RedisTransport implements PubSubTransport {
  readonly dependency = 'redis';
  private receiver: (topic: string, bytes: Buffer) => void = () => undefined;

  /** wanted are the channels the bus has subscribed and not left: what a reconnect subscribes again. */
  private readonly wanted = new Set<string>();

  private constructor(private readonly pub: Redis, private readonly sub: Redis, logger: Logger | undefined) {
    sub.on('messageBuffer', (channel: Buffer, message: Buffer) => this.receiver(channel.toString('utf8'), message));
    // why: ioredis's own resubscription would also bring back channels left while Redis was down (the
    // UNSUBSCRIBE could not be sent), leaking interest on the server; the bus resubscribes what it still wants.
    sub.on('ready', () => {
      if (this.wanted.size > 0) sub.subscribe(...this.wanted).catch((err: unknown) => logger?.warn({ err: (err as Error).message }, 'Redis bus could not resubscribe; retrying on the next reconnect'));
    });
    let down = false;
    const lost = (): void => {
      if (down) return;
      down = true;
      logger?.warn('Redis bus disconnected; reconnecting');
    };
    const back = (): void => {
      if (!down || !this.isConnected()) return;
      down = false;
      logger?.info('Redis bus reconnected; subscriptions restored');
    };
    for (const client of [pub, sub]) {
      client.on('close', lost);
      client.on('ready', back);
    }
  }

  static async open(options: RedisBusOptions): Promise<RedisTransport> {
    const make = (url: string): Redis => {
      const client = new Redis(url, {
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        commandTimeout: options.commandTimeoutMs ?? 5000,
        retryStrategy: (times) => Math.min(100 * times, 1000),
        autoResubscribe: false,
        connectionName: `sockudo-bus-${options.nodeId}`,
      });
      // why: ioredis emits 'error' on every failed reconnect; without a listener Node would crash the process.
      client.on('error', () => undefined);
      return client;
    };
    const subscribeUrl = options.subscribeUrl ?? options.url;
    const pub = make(options.url);
    const sub = make(subscribeUrl);
    try {
      await Promise.all([pub.connect(), sub.connect()]);
    } catch (err) {
      pub.disconnect();
      sub.disconnect();
      const where = [...new Set([options.url, subscribeUrl])].map(redactUrl).join(', ');
      throw new DependencyUnavailable('redis', 'Redis is unreachable', `cannot reach ${where}: ${(err as Error).message}`);
    }
    return new RedisTransport(pub, sub, options.logger);
  }

  async publish(topic: string, bytes: Buffer): Promise<void> {
    await this.pub.publish(topic, bytes);
  }

  async subscribe(topic: string): Promise<void> {
    await this.sub.subscribe(topic);
    this.wanted.add(topic);
  }

  async unsubscribe(topic: string): Promise<void> {
    this.wanted.delete(topic);
    if (this.sub.status === 'ready') await this.sub.unsubscribe(topic);
  }

  onMessage(receiver: (topic: string, bytes: Buffer) => void): void {
    this.receiver = receiver;
  }

  isConnected(): boolean {
    return this.pub.status === 'ready' && this.sub.status === 'ready';
  }

  async close(): Promise<void> {
    await Promise.all([this.pub, this.sub].map((client) => quit(client)));
  }
}

/** quit closes a connection politely while it is up (at most 1 s), at once otherwise. */
export async function quit(client: { status: string; quit(): Promise<unknown>; disconnect(): void }): Promise<void> {
  if (client.status === 'ready') {
    await Promise.race([client.quit().catch(() => undefined), new Promise((r) => setTimeout(r, 1000).unref())]);
  }
  client.disconnect();
}
