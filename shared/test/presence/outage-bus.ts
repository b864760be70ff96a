import { DependencyUnavailable, MemoryBus, type AppId, type BusMessage, type ChannelName, type ControlMessage, type PublishPosition } from '@sockudo-ts/shared';

/**
 * OutageBus is a MemoryBus whose publishes fail with DependencyUnavailable while `down` is true (or for the
 * next `failNext` publishes), as NatsBus does while NATS is unreachable. Subscriptions stay in place.
 */
export class OutageBus extends MemoryBus {
  down = false;
  failNext = 0;
  /** refused counts the publishes this bus has refused so far. */
  refused = 0;

  override async publish(app: AppId, channel: ChannelName, message: BusMessage): Promise<PublishPosition> {
    this.refuse();
    return super.publish(app, channel, message);
  }

  override async publishControl(message: ControlMessage): Promise<void> {
    this.refuse();
    return super.publishControl(message);
  }

  private refuse(): void {
    if (this.failNext > 0) {
      this.failNext--;
      this.refused++;
      throw new DependencyUnavailable('nats', 'NATS is unreachable; the bus is reconnecting');
    }
    if (this.down) {
      this.refused++;
      throw new DependencyUnavailable('nats', 'NATS is unreachable; the bus is reconnecting');
    }
  }
}
