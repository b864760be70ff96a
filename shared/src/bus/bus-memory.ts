import type { AppId, ChannelName } from '../ids.js';
import type { Bus, BusHandler, BusMessage, ControlMessage, PublishPosition, Subscription } from './bus.js';

/**
 * MemoryBus delivers in-process, synchronously, to handlers registered on the same instance. Several
 * gateways sharing one MemoryBus behave like nodes on one NATS server.
 */
export class MemoryBus implements Bus {
  /**
   * apps holds each app's channels and their handlers. why: a map per app, not one keyed by `app + channel`:
   * a key built per publish is a new string hashed on every lookup; the app id and the channel name keep the
   * hash they computed once.
   */
  private readonly apps = new Map<AppId, Map<ChannelName, Set<BusHandler>>>();
  private readonly controlHandlers: Array<(message: ControlMessage) => void> = [];
  private closed = false;

  publish(appId: AppId, channel: ChannelName, message: BusMessage): Promise<PublishPosition> {
    if (this.closed) return PUBLISHED;
    const handlers = this.apps.get(appId)?.get(channel);
    try {
      if (handlers !== undefined) for (const handler of handlers) handler(message);
    } catch (err) {
      return Promise.reject(err);
    }
    // why: not async: every publish resolves to the same empty position, one promise made once.
    return PUBLISHED;
  }

  async subscribe(appId: AppId, channel: ChannelName, handler: BusHandler): Promise<Subscription> {
    let channels = this.apps.get(appId);
    if (channels === undefined) this.apps.set(appId, (channels = new Map()));
    let handlers = channels.get(channel);
    if (handlers === undefined) channels.set(channel, (handlers = new Set()));
    // why: the same function may subscribe twice (two channels share a handler); wrap to keep both.
    const entry: BusHandler = (m) => handler(m);
    handlers.add(entry);
    return {
      unsubscribe: async () => {
        const appChannels = this.apps.get(appId);
        const set = appChannels?.get(channel);
        if (appChannels === undefined || set === undefined) return;
        set.delete(entry);
        if (set.size > 0) return;
        appChannels.delete(channel);
        if (appChannels.size === 0) this.apps.delete(appId);
      },
    };
  }

  async publishControl(message: ControlMessage): Promise<void> {
    if (this.closed) return;
    for (const handler of this.controlHandlers) handler(message);
  }

  onControl(handler: (message: ControlMessage) => void): void {
    this.controlHandlers.push(handler);
  }

  /** subscriptionCount is the number of channels with at least one handler (for leak checks). */
  subscriptionCount(): number {
    let count = 0;
    for (const channels of this.apps.values()) count += channels.size;
    return count;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.apps.clear();
    this.controlHandlers.length = 0;
  }
}

/** NO_POSITION is the position of every message on a bus that assigns none. */
const NO_POSITION: PublishPosition = Object.freeze({});

/** PUBLISHED is the answer to every publish: resolved, with no position. */
const PUBLISHED: Promise<PublishPosition> = Promise.resolve(NO_POSITION);
