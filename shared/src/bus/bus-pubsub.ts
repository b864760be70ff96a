import { DependencyUnavailable } from '../errors/dependency-unavailable.js';
import type { AppId, ChannelName, NodeId } from '../ids.js';
import type { Bus, BusHandler, BusMessage, ControlMessage, PublishPosition, Subscription } from './bus.js';
import { decodeChannelMessage, decodeControlMessage, encodeChannelMessage, encodeControlMessage, packEnvelope, unpackEnvelope } from './envelope.js';
import { encodeToken } from './subjects.js';

/**
 * PubSubTransport is a broadcast medium with named topics that moves bytes and nothing else (Redis pub/sub,
 * Redis Cluster sharded pub/sub). Subscribing twice to one topic is the bus's concern, never the transport's:
 * PubSubBus subscribes a topic once, while it has at least one handler.
 */
export interface PubSubTransport {
  /** dependency names the medium in DependencyUnavailable errors and readiness probes (`redis`). */
  readonly dependency: string;
  /** publish sends bytes to every subscriber of the topic; it fails at once while disconnected. */
  publish(topic: string, bytes: Buffer): Promise<void>;
  /** subscribe resolves once the server confirmed the subscription; it fails at once while disconnected. */
  subscribe(topic: string): Promise<void>;
  /** unsubscribe ends the interest in a topic. */
  unsubscribe(topic: string): Promise<void>;
  /** onMessage registers the one receiver of every subscribed topic's messages. */
  onMessage(receiver: (topic: string, bytes: Buffer) => void): void;
  /** isConnected is false while the transport reconnects. */
  isConnected(): boolean;
  close(): Promise<void>;
}

/** PubSubBusOptions name this node and the topics of one cluster. */
export interface PubSubBusOptions {
  /** prefix starts every topic name (clusters sharing a server use different prefixes). */
  prefix: string;
  /** nodeId is this process's node id, written into every envelope. */
  nodeId: NodeId;
}

interface Entry {
  handler: BusHandler;
}

/**
 * PubSubBus is the Bus over a PubSubTransport: one topic per (app, channel), `<prefix>ch:<app>:<channel>` with
 * both names encoded into tokens without `:`, and the topic `<prefix>control`. Envelopes travel packed (see
 * envelope.ts). A topic is subscribed while this node has a handler for it; a message is decoded once and
 * handed to each handler. Subscribe and unsubscribe of one topic run one after the other, so that a quick
 * leave-and-join never ends unsubscribed.
 */
export class PubSubBus implements Bus {
  private readonly topics = new Map<string, Set<Entry>>();
  private readonly queue = new Map<string, Promise<unknown>>();
  private readonly controlHandlers: Array<(message: ControlMessage) => void> = [];
  private readonly controlTopic: string;

  protected constructor(protected readonly transport: PubSubTransport, private readonly options: PubSubBusOptions) {
    this.controlTopic = `${options.prefix}control`;
    transport.onMessage((topic, bytes) => this.receive(topic, bytes));
  }

  /** start subscribes the control topic; the subclasses' connect calls it before handing the bus out. */
  protected async start(): Promise<void> {
    await this.transport.subscribe(this.controlTopic);
  }

  async publish(appId: AppId, channel: ChannelName, message: BusMessage): Promise<PublishPosition> {
    await this.send(this.topicOf(appId, channel), packEnvelope(encodeChannelMessage(this.options.nodeId, message)));
    return NO_POSITION;
  }

  async subscribe(appId: AppId, channel: ChannelName, handler: BusHandler): Promise<Subscription> {
    const topic = this.topicOf(appId, channel);
    const entry: Entry = { handler };
    await this.serially(topic, async () => {
      const entries = this.topics.get(topic);
      if (entries !== undefined) {
        entries.add(entry);
        return;
      }
      this.ensureConnected();
      try {
        await this.transport.subscribe(topic);
      } catch (err) {
        throw this.unavailable(err, 'did not confirm the subscription');
      }
      this.topics.set(topic, new Set([entry]));
    });
    let done = false;
    return {
      unsubscribe: async () => {
        if (done) return;
        done = true;
        await this.serially(topic, async () => {
          const entries = this.topics.get(topic);
          if (entries === undefined || !entries.delete(entry) || entries.size > 0) return;
          this.topics.delete(topic);
          // why: with the server gone the interest dies with the connection; a failed unsubscribe only means
          // the topic may come back after a reconnect, and its messages then find no handler.
          await this.transport.unsubscribe(topic).catch(() => undefined);
        });
      },
    };
  }

  async publishControl(message: ControlMessage): Promise<void> {
    await this.send(this.controlTopic, packEnvelope(encodeControlMessage(this.options.nodeId, message)));
  }

  onControl(handler: (message: ControlMessage) => void): void {
    this.controlHandlers.push(handler);
  }

  /** isConnected is false while the transport reconnects (health checks). */
  isConnected(): boolean {
    return this.transport.isConnected();
  }

  async close(): Promise<void> {
    this.controlHandlers.length = 0;
    this.topics.clear();
    await this.transport.close();
  }

  private topicOf(appId: AppId, channel: ChannelName): string {
    return `${this.options.prefix}ch:${encodeToken(appId)}:${encodeToken(channel)}`;
  }

  private async send(topic: string, bytes: Buffer): Promise<void> {
    this.ensureConnected();
    try {
      await this.transport.publish(topic, bytes);
    } catch (err) {
      throw this.unavailable(err, 'did not take the message');
    }
  }

  private receive(topic: string, bytes: Buffer): void {
    if (topic === this.controlTopic) {
      const packed = unpackEnvelope(bytes);
      const message = packed && decodeControlMessage(packed.header, packed.payload);
      if (message !== undefined) for (const handler of this.controlHandlers) handler(message);
      return;
    }
    const entries = this.topics.get(topic);
    if (entries === undefined || entries.size === 0) return;
    const packed = unpackEnvelope(bytes);
    const message = packed && decodeChannelMessage(packed.header, packed.payload);
    if (message === undefined) return;
    for (const entry of entries) entry.handler(message);
  }

  private serially<T>(topic: string, op: () => Promise<T>): Promise<T> {
    const previous = this.queue.get(topic) ?? Promise.resolve();
    const next = previous.then(op, op);
    const settled = next.catch(() => undefined);
    this.queue.set(topic, settled);
    void settled.then(() => {
      if (this.queue.get(topic) === settled) this.queue.delete(topic);
    });
    return next;
  }

  private ensureConnected(): void {
    if (!this.transport.isConnected()) {
      throw new DependencyUnavailable(this.transport.dependency, `${label(this.transport.dependency)} is unreachable; the bus is reconnecting`);
    }
  }

  private unavailable(err: unknown, what: string): DependencyUnavailable {
    if (err instanceof DependencyUnavailable) return err;
    return new DependencyUnavailable(this.transport.dependency, `${label(this.transport.dependency)} ${what}`, (err as Error).message);
  }
}

/** NO_POSITION is the position of every message on plain pub/sub, which assigns none. */
const NO_POSITION: PublishPosition = Object.freeze({});

function label(dependency: string): string {
  return dependency === 'redis' ? 'Redis' : dependency;
}
