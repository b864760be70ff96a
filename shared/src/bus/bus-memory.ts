import type { AppId, ChannelName } from '../ids.js';
import type { Bus, BusHandler, BusMessage, ControlMessage, PublishPosition, Subscription } from './bus.js';

/**
 * MemoryBus delivers in-process, synchronously, to handlers registered on the same instance. Several
 * gateways sharing one MemoryBus behave like nodes on one NATS server.
 */
export class MemoryBus implements Bus {
  private readonly channels = new Map<string, Set<BusHandler>>();
  private readonly controlHandlers: Array<(message: ControlMessage) => void> = [];
  private closed = false;

  async publish(appId: AppId, channel: ChannelName, message: BusMessage): Promise<PublishPosition> {
    if (this.closed) return NO_POSITION;
    const handlers = this.channels.get(key(appId, channel));
    if (handlers !== undefined) for (const handler of handlers) handler(message);
    return NO_POSITION;
  }

  async subscribe(appId: AppId, channel: ChannelName, handler: BusHandler): Promise<Subscription> {
    const k = key(appId, channel);
    let handlers = this.channels.get(k);
    if (handlers === undefined) {
      handlers = new Set();
      this.channels.set(k, handlers);
    }
    // why: the same function may subscribe twice (two channels share a handler); wrap to keep both.
    const entry: BusHandler = (m) => handler(m);
    handlers.add(entry);
    return {
      unsubscribe: async () => {
        const set = this.channels.get(k);
        if (set === undefined) return;
        set.delete(entry);
        if (set.size === 0) this.channels.delete(k);
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
    return this.channels.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.channels.clear();
    this.controlHandlers.length = 0;
  }
}

/** NO_POSITION is the position of every message on a bus that assigns none. */
const NO_POSITION: PublishPosition = Object.freeze({});

function key(app: string, channel: string): string {
  return app + '\u0000' + channel;
}
