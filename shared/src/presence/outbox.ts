import type { Bus, BusMessage, ControlMessage } from '../bus/bus.js';
import { newMessageId } from '../bus/envelope.js';
import { DependencyUnavailable } from '../errors/dependency-unavailable.js';
import type { AppId, ChannelName } from '../ids.js';
import { activeTracing } from '../telemetry/tracing.js';

/** OutboxOptions tune an Outbox; every field has a default. */
export interface OutboxOptions {
  /** retryMs is how often announcements the bus refused are offered to it again. Default 250. */
  retryMs?: number;
  /** maxPending bounds the announcements kept while the bus refuses them; past it the oldest is dropped. Default 100000. */
  maxPending?: number;
}

type Announcement = { appId: AppId; channel: ChannelName; message: BusMessage } | { control: ControlMessage };

/**
 * Outbox publishes the announcements of presence changes (member_added, member_removed, subscription_count,
 * online and offline notices) in the order they were made, and keeps those the bus refused as unavailable to
 * offer them again every `retryMs` until it takes them. A change the store has applied is therefore announced
 * once the bus is back, never silently lost, and a later announcement never overtakes an earlier one.
 *
 * why: the store applies a change before its announcement is published. Were a refused announcement dropped,
 * the store would hold a member nobody was told about, and the user's next socket would find it already
 * present and announce nothing (seen after a NATS restart, when the presence service had not reconnected yet).
 */
export class Outbox {
  private readonly pending: Announcement[] = [];
  private readonly retryMs: number;
  private readonly maxPending: number;
  /** tail chains every attempt after the previous one, so that announcements leave in order. */
  private tail: Promise<void> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private droppedCount = 0;
  private closed = false;

  constructor(private readonly bus: Bus, options: OutboxOptions = {}) {
    this.retryMs = options.retryMs ?? 250;
    this.maxPending = options.maxPending ?? 100_000;
  }

  /**
   * publish sends a channel frame now, or keeps it behind earlier refused ones. It resolves once the frame
   * was published or kept; it rejects only with an error that is not DependencyUnavailable.
   */
  publish(appId: AppId, channel: ChannelName, message: BusMessage): Promise<void> {
    const tracing = activeTracing();
    if (tracing === undefined) return this.enqueue({ appId: appId, channel, message });
    // why: the gateways' deliveries of a member or count notice continue the trace of the call that caused it.
    message.id ??= newMessageId();
    const span = tracing.startPublish(appId, channel, message);
    if (span.traceparent !== undefined) message.traceparent = span.traceparent;
    return this.enqueue({ appId, channel, message }).then(
      () => span.end(),
      (err: unknown) => {
        span.fail(err);
        throw err;
      },
    );
  }

  /** publishControl is publish for a control message (online and offline notices). */
  publishControl(message: ControlMessage): Promise<void> {
    return this.enqueue({ control: message });
  }

  /** size is the number of announcements waiting for the bus. */
  size(): number {
    return this.pending.length;
  }

  /** dropped counts announcements lost because more than `maxPending` were waiting. */
  dropped(): number {
    return this.droppedCount;
  }

  /** close stops retrying after one last attempt to send what is waiting; what the bus still refuses is dropped. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.chain(() => this.drain());
    this.droppedCount += this.pending.length;
    this.pending.length = 0;
  }

  private enqueue(announcement: Announcement): Promise<void> {
    return this.chain(async () => {
      if (this.pending.length === 0) {
        try {
          await this.send(announcement);
          return;
        } catch (err) {
          if (!(err instanceof DependencyUnavailable) || this.closed) throw err;
        }
      }
      this.keep(announcement);
    });
  }

  private chain(task: () => Promise<void>): Promise<void> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }

  private keep(announcement: Announcement): void {
    if (this.pending.length >= this.maxPending) {
      this.pending.shift();
      this.droppedCount++;
    }
    this.pending.push(announcement);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer !== undefined || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.chain(() => this.drain());
    }, this.retryMs);
    this.timer.unref();
  }

  /** drain sends waiting announcements in order until the bus refuses one; then it tries again later. */
  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      try {
        await this.send(this.pending[0]!);
      } catch (err) {
        if (err instanceof DependencyUnavailable) {
          this.schedule();
          return;
        }
        // why: an error that retrying cannot cure must not block every announcement behind it.
        this.droppedCount++;
      }
      this.pending.shift();
    }
  }

  private async send(announcement: Announcement): Promise<void> {
    if ('control' in announcement) await this.bus.publishControl(announcement.control);
    else await this.bus.publish(announcement.appId, announcement.channel, announcement.message);
  }
}
