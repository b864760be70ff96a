import type { AppStore } from '../apps/app-store.js';
import type { AppId, ChannelName, NodeId, SocketId, UserId } from '../ids.js';
import type { Bus } from '../bus/bus.js';
import { isPresenceChannel } from '../protocol/channels.js';
import { encodeInternal } from '../protocol/frames.js';
import type { WebhookSink } from '../webhooks/events.js';
import { Outbox } from './outbox.js';
import type { Presence } from './presence.js';
import type { ChannelCounts, ChannelsPage, ConnectResult, DisconnectResult, Member, PresenceStore, SubscribeResult, UnsubscribeResult } from './presence-store.js';

/** LocalPresenceOptions tune LocalPresence; every field has a default. */
export interface LocalPresenceOptions {
  /** subscriptionCountThrottleMs spaces subscription_count events on channels above 100 sockets. Default 5000. */
  subscriptionCountThrottleMs?: number;
  /** announceRetryMs is how often announcements the bus refused (NATS down) are offered again. Default 250. */
  announceRetryMs?: number;
}

interface CountThrottle {
  lastSentAt: number;
  timer?: NodeJS.Timeout;
  pending?: number;
}

const BIG_CHANNEL = 100;

/**
 * LocalPresence is Presence in this process: it applies mutations to a PresenceStore (memory in the
 * embedded server, Redis in the presence service) and emits their effects exactly once: frames through the
 * bus, watchlist notices as control messages, webhook events to the sink. Frames and notices go through an
 * Outbox: while the bus is unavailable, a change is still accepted and announced, in order, once it is back.
 */
export class LocalPresence implements Presence {
  private readonly throttles = new Map<string, CountThrottle>();
  private readonly throttleMs: number;
  private readonly outbox: Outbox;

  constructor(
    private readonly store: PresenceStore,
    bus: Bus,
    private readonly apps: AppStore,
    private readonly webhooks: WebhookSink,
    options: LocalPresenceOptions = {},
  ) {
    this.throttleMs = options.subscriptionCountThrottleMs ?? 5000;
    this.outbox = new Outbox(bus, { retryMs: options.announceRetryMs });
  }

  async connect(appId: AppId, socketId: SocketId, nodeId: NodeId): Promise<ConnectResult> {
    const app = await this.apps.byId(appId);
    return this.store.connect(appId, socketId, nodeId, app?.max_connections ?? 0);
  }

  async disconnect(appId: AppId, socketId: SocketId): Promise<void> {
    await this.applyDisconnect(await this.store.disconnect(appId, socketId));
  }

  /** applyDisconnect emits the effects of a removed socket (also used for sockets of a dead node). */
  async applyDisconnect(result: DisconnectResult): Promise<void> {
    for (const left of result.left) await this.afterLeave(result.appId, left);
    if (result.offline !== undefined) {
      await this.outbox.publishControl({ type: 'user_presence', appId: result.appId, userId: result.offline, online: false });
    }
  }

  async subscribe(appId: AppId, channel: ChannelName, socketId: SocketId, member?: Member): Promise<SubscribeResult> {
    const app = await this.apps.byId(appId);
    const result = await this.store.subscribe(appId, channel, socketId, member, app?.max_presence_members_per_channel ?? 100);
    if (!result.ok) return result;
    if (result.occupied) this.webhooks.emit(appId, { name: 'channel_occupied', channel });
    if (result.memberAdded && member !== undefined) {
      const frame = encodeInternal('pusher_internal:member_added', { user_id: member.id, user_info: member.info }, channel);
      await this.outbox.publish(appId, channel, { frame, except: socketId });
      this.webhooks.emit(appId, { name: 'member_added', channel, user_id: member.id });
    }
    await this.countChanged(appId, channel, result.subscriptionCount);
    return result;
  }

  async unsubscribe(appId: AppId, channel: ChannelName, socketId: SocketId): Promise<void> {
    const left = await this.store.unsubscribe(appId, channel, socketId);
    if (left) await this.afterLeave(appId, left);
  }

  async signin(appId: AppId, socketId: SocketId, userId: UserId): Promise<void> {
    const { online } = await this.store.signin(appId, socketId, userId);
    if (online) await this.outbox.publishControl({ type: 'user_presence', appId: appId, userId, online: true });
  }

  members(appId: AppId, channel: ChannelName): Promise<Member[]> {
    return this.store.members(appId, channel);
  }

  counts(appId: AppId, channel: ChannelName): Promise<ChannelCounts> {
    return this.store.counts(appId, channel);
  }

  channels(appId: AppId): Promise<Map<ChannelName, ChannelCounts>> {
    return this.store.channels(appId);
  }

  channelsPage(appId: AppId, after: string, limit: number): Promise<ChannelsPage> {
    return this.store.channelsPage(appId, after, limit);
  }

  onlineUsers(appId: AppId, userIds: readonly UserId[]): Promise<UserId[]> {
    return this.store.onlineUsers(appId, userIds);
  }

  /** pendingAnnouncements is the number of announcements waiting for the bus to come back. */
  pendingAnnouncements(): number {
    return this.outbox.size();
  }

  /** close cancels pending subscription_count timers and makes one last attempt to send waiting announcements. */
  async close(): Promise<void> {
    for (const t of this.throttles.values()) clearTimeout(t.timer);
    this.throttles.clear();
    await this.outbox.close();
  }

  private async afterLeave(appId: AppId, left: UnsubscribeResult): Promise<void> {
    const { channel } = left;
    if (left.memberRemoved !== undefined) {
      const frame = encodeInternal('pusher_internal:member_removed', { user_id: left.memberRemoved }, channel);
      await this.outbox.publish(appId, channel, { frame });
      this.webhooks.emit(appId, { name: 'member_removed', channel, user_id: left.memberRemoved });
    }
    if (left.vacated) {
      this.webhooks.emit(appId, { name: 'channel_vacated', channel });
      const k = appId + '\u0000' + channel;
      clearTimeout(this.throttles.get(k)?.timer);
      this.throttles.delete(k);
    } else {
      await this.countChanged(appId, channel, left.subscriptionCount);
    }
  }

  /** countChanged sends subscription_count to the channel, at most once per throttle window on big channels. */
  private async countChanged(appId: AppId, channel: ChannelName, count: number): Promise<void> {
    if (isPresenceChannel(channel)) return;
    const app = await this.apps.byId(appId);
    if (!app?.enable_subscription_count_events) return;
    const k = appId + '\u0000' + channel;
    const now = Date.now();
    let t = this.throttles.get(k);
    if (t === undefined) {
      t = { lastSentAt: 0 };
      this.throttles.set(k, t);
    }
    if (count <= BIG_CHANNEL || now - t.lastSentAt >= this.throttleMs) {
      clearTimeout(t.timer);
      t.timer = undefined;
      t.pending = undefined;
      t.lastSentAt = now;
      await this.sendCount(appId, channel, count);
      return;
    }
    t.pending = count;
    if (t.timer === undefined) {
      const throttle = t;
      t.timer = setTimeout(() => {
        throttle.timer = undefined;
        throttle.lastSentAt = Date.now();
        const pending = throttle.pending;
        throttle.pending = undefined;
        // why: a rejection from a timer would be unhandled and end the process.
        if (pending !== undefined) this.sendCount(appId, channel, pending).catch(() => undefined);
      }, this.throttleMs - (now - t.lastSentAt));
      t.timer.unref();
    }
  }

  private async sendCount(appId: AppId, channel: ChannelName, count: number): Promise<void> {
    const frame = encodeInternal('pusher_internal:subscription_count', { subscription_count: count }, channel);
    await this.outbox.publish(appId, channel, { frame });
    this.webhooks.emit(appId, { name: 'subscription_count', channel, subscription_count: count });
  }

  /** throttleCount is the number of channels with subscription_count throttle state (leak checks). */
  throttleCount(): number {
    return this.throttles.size;
  }
}
