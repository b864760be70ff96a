import { createHash } from 'node:crypto';
import type { Bus, BusMessage, PublishPosition } from '../bus/bus.js';
import { newMessageId } from '../bus/envelope.js';
import type { CacheStore } from '../cache/cache-store.js';
import { cacheKey, cacheMissKey } from '../cache/keys.js';
import type { AppId, ChannelName, SocketId, UserId } from '../ids.js';
import { isCacheChannel } from '../protocol/channels.js';
import { encodeEvent } from '../protocol/frames.js';
import type { Sequencer } from '../recovery/recovery-log.js';
import { activeTracing, type Tracing } from '../telemetry/tracing.js';

/** ChannelEvent is one event for one channel: an HTTP trigger's or a client event's. */
export interface ChannelEvent {
  channel: ChannelName;
  name: string;
  /** data is the payload string exactly as subscribers receive it. */
  data: string;
  /** userId is the sender of a client event on a presence channel (sent as `user_id`). */
  userId?: UserId;
}

/** PublishOptions travel with a published frame to every node. */
export interface PublishOptions {
  /** except is the socket that must not receive the frame (the sender's own). */
  except?: SocketId;
  /** traceparent is the W3C trace context of the publish. */
  traceparent?: string;
  /**
   * idempotencyKey makes the message id a function of (app, channel, key), so that a bus that de-duplicates
   * by id (JetStream, for 120 s) stores a retried publish once.
   */
  idempotencyKey?: string;
}

/** LastEvent is what a cache channel holds for a new subscriber: its last event, or a miss. */
export type LastEvent = { frame: string } | { frame?: undefined; firstMiss: boolean };

/**
 * ChannelPublisher is the one way a frame reaches a channel's subscribers, whoever sends it (the HTTP API,
 * a client event, presence): it serializes an event once, publishes it on the bus, keeps a cache channel's
 * last event, and returns where the message landed. History, recovery and tracing attach here.
 */
export class ChannelPublisher {
  /**
   * @param cacheTtlSeconds how long a cache channel keeps its last event (`channel_limits.cache_ttl`).
   */
  constructor(
    private readonly bus: Bus,
    private readonly cache: CacheStore,
    private readonly cacheTtlSeconds: number,
    private readonly sequencer?: Sequencer,
  ) {}

  /** publish sends an event to a channel's subscribers cluster-wide; a cache channel keeps it as its last event. */
  publish(appId: AppId, event: ChannelEvent, options: PublishOptions = {}): Promise<PublishPosition> {
    const frame = encodeEvent(event.name, event.channel, event.data, event.userId);
    const published = this.publishFrame(appId, event.channel, frame, options, true);
    // why: not async for a channel without a cache: the bus's promise is the answer (no promise around it).
    if (!isCacheChannel(event.channel)) return published;
    return this.keepLast(appId, event.channel, frame, published);
  }

  /** keepLast stores a cache channel's event as its last once it is published, and ends its miss. */
  private async keepLast(appId: AppId, channel: ChannelName, frame: string, published: Promise<PublishPosition>): Promise<PublishPosition> {
    const position = await published;
    await this.cache.set(cacheKey(appId, channel), frame, this.cacheTtlSeconds);
    await this.cache.delete(cacheMissKey(appId, channel));
    return position;
  }

  /**
   * publishFrame sends an already encoded frame (member and count notices) to a channel's subscribers. With
   * `sequenced` (events), the frame gets the channel's next serial and is kept for recovery when the app has
   * recovery on: from the in-process sequencer when there is one, else from the bus (JetStream); notices are not.
   */
  publishFrame(appId: AppId, channel: ChannelName, frame: string, options: PublishOptions = {}, sequenced = false): Promise<PublishPosition> {
    const message: BusMessage = { frame };
    if (options.except !== undefined) message.except = options.except;
    if (options.traceparent !== undefined) message.traceparent = options.traceparent;
    if (options.idempotencyKey !== undefined) {
      message.id = idempotentId(appId, channel, options.idempotencyKey);
      message.dedupe = true;
    }
    const tracing = activeTracing();
    // why: not async: without tracing, the bus's own promise is the answer (no promise wrapping it per publish).
    if (tracing === undefined) return this.send(appId, channel, message, sequenced);
    return this.traced(tracing, appId, channel, message, sequenced);
  }

  private async traced(tracing: Tracing, appId: AppId, channel: ChannelName, message: BusMessage, sequenced: boolean): Promise<PublishPosition> {
    message.id ??= newMessageId();
    const span = tracing.startPublish(appId, channel, message);
    if (span.traceparent !== undefined) message.traceparent = span.traceparent;
    try {
      const position = await this.send(appId, channel, message, sequenced);
      span.end();
      return position;
    } catch (err) {
      span.fail(err);
      throw err;
    }
  }

  private send(appId: AppId, channel: ChannelName, message: BusMessage, sequenced: boolean): Promise<PublishPosition> {
    if (!sequenced) return this.bus.publish(appId, channel, message);
    if (this.sequencer === undefined) {
      message.sequenced = true;
      return this.bus.publish(appId, channel, message);
    }
    if (!this.sequencer.enabled(appId)) return this.bus.publish(appId, channel, message);
    // why: nothing runs between taking the serial and publishing, so events leave this process in serial order.
    const at = this.sequencer.append(appId, channel, message.frame, message.except);
    message.serial = at.serial;
    message.streamId = at.streamId;
    message.id = at.messageId;
    return this.bus.publish(appId, channel, message).then(() => ({ serial: at.serial, streamId: at.streamId }));
  }

  /**
   * lastEvent reads a cache channel's last event for a new subscriber. On a miss, `firstMiss` is true once
   * per cache lifetime, so that the cache_miss webhook goes out once, not once per subscriber.
   */
  async lastEvent(appId: AppId, channel: ChannelName): Promise<LastEvent> {
    const cached = await this.cache.get(cacheKey(appId, channel));
    if (cached !== undefined) return { frame: cached.value };
    return { firstMiss: await this.cache.setIfAbsent(cacheMissKey(appId, channel), '1', this.cacheTtlSeconds) };
  }
}

/** idempotentId is the message id of a publish with an idempotency key: the same for a retry of it. */
function idempotentId(appId: AppId, channel: ChannelName, key: string): string {
  return createHash('sha256').update(`${appId}\u0000${channel}\u0000${key}`).digest('hex').slice(0, 32);
}
