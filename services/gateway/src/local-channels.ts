import { activeTracing, type AppId, type Bus, type BusMessage, type ChannelName, type Subscription } from '@sockudo-ts/shared';
import type { Connection } from './connection.js';
import { encodeTextFrame } from './frame.js';

/** MissedFrame is a frame published while a socket was pending, with its text for the activation checks. */
interface MissedFrame {
  frame: Buffer;
  text: string;
}

/** LocalChannel is one channel's subscribers on this node and its bus subscription. */
interface LocalChannel {
  readonly name: ChannelName;
  /** sockets receive every frame published to the channel. */
  readonly sockets: Set<Connection>;
  /** pending holds sockets whose subscription is not confirmed yet, with the frames they missed meanwhile. */
  readonly pending: Map<Connection, MissedFrame[]>;
  /** ready resolves once the bus delivers this channel to this node. */
  ready: Promise<void>;
  sub?: Subscription;
}

/** LocalChannelSizes counts what LocalChannels holds (leak checks). */
export interface LocalChannelSizes {
  apps: number;
  channels: number;
  /** sockets counts (channel, live socket) pairs. */
  sockets: number;
  /** pending counts (channel, socket) pairs whose subscription is not confirmed yet. */
  pending: number;
}

/** DeliveryCounter is told how many frames and bytes a broadcast wrote, per app. */
export type DeliveryCounter = (appId: AppId, frames: number, bytes: number) => void;

/**
 * LocalChannels indexes this node's subscribers by app and channel and keeps exactly one bus subscription
 * per channel that has local subscribers. A bus message is framed once and written to every subscriber.
 */
export class LocalChannels {
  private readonly apps = new Map<AppId, Map<ChannelName, LocalChannel>>();

  constructor(private readonly bus: Bus, private readonly counted: DeliveryCounter) {}

  /**
   * add registers a socket as pending on a channel and resolves once the bus delivers the channel here.
   * Frames published meanwhile are kept for the socket until `activate`.
   */
  async add(appId: AppId, channel: ChannelName, conn: Connection): Promise<void> {
    let channels = this.apps.get(appId);
    if (channels === undefined) {
      channels = new Map();
      this.apps.set(appId, channels);
    }
    let local = channels.get(channel);
    if (local === undefined) {
      const created: LocalChannel = { name: channel, sockets: new Set(), pending: new Map(), ready: Promise.resolve() };
      created.ready = this.bus.subscribe(appId, channel, (m) => this.deliver(appId, created, m)).then(
        (sub) => {
          created.sub = sub;
        },
        (err: unknown) => {
          // why: a failed bus subscription must not stay cached; the next subscriber tries again.
          if (channels!.get(channel) === created) channels!.delete(channel);
          if (channels!.size === 0 && this.apps.get(appId) === channels) this.apps.delete(appId);
          throw err;
        },
      );
      local = created;
      channels.set(channel, local);
    }
    local.pending.set(conn, []);
    await local.ready;
  }

  /**
   * activate moves a pending socket to the live set and writes, in order, `replay` (a cache channel's last
   * event) and the frames the socket missed while pending. The replay is skipped when the socket missed that
   * very frame: it was published during the subscription and is delivered once, in order. `keep`, when
   * given, sees each missed frame's text in order and drops those it returns false for.
   */
  activate(appId: AppId, channel: ChannelName, conn: Connection, replay?: string, keep?: (text: string) => boolean): void {
    const local = this.apps.get(appId)?.get(channel);
    const pending = local?.pending.get(conn);
    if (local === undefined || pending === undefined) return;
    local.pending.delete(conn);
    local.sockets.add(conn);
    const missed = keep === undefined ? pending : pending.filter((m) => keep(m.text));
    if (replay !== undefined && !missed.some((m) => m.text === replay)) missed.unshift({ frame: encodeTextFrame(replay), text: replay });
    let bytes = 0;
    for (const { frame } of missed) {
      conn.writeFrame(frame);
      bytes += frame.length;
    }
    if (missed.length > 0) this.counted(appId, missed.length, bytes);
  }

  /** remove drops a socket from a channel; the bus subscription ends with the channel's last local socket. */
  remove(appId: AppId, channel: ChannelName, conn: Connection): void {
    const channels = this.apps.get(appId);
    const local = channels?.get(channel);
    if (local === undefined) return;
    local.sockets.delete(conn);
    local.pending.delete(conn);
    if (local.sockets.size > 0 || local.pending.size > 0) return;
    channels!.delete(channel);
    if (channels!.size === 0) this.apps.delete(appId);
    void local.ready.then(() => local.sub?.unsubscribe()).catch(() => undefined);
  }

  /** sizes counts the apps, channels, live sockets and pending sockets this index holds (leak checks). */
  sizes(): LocalChannelSizes {
    const out: LocalChannelSizes = { apps: this.apps.size, channels: 0, sockets: 0, pending: 0 };
    for (const channels of this.apps.values()) {
      out.channels += channels.size;
      for (const local of channels.values()) {
        out.sockets += local.sockets.size;
        out.pending += local.pending.size;
      }
    }
    return out;
  }

  private deliver(appId: AppId, local: LocalChannel, message: BusMessage): void {
    // why: one span per received message, none per socket: the loop below stays as it is when tracing is on.
    const span = activeTracing()?.startDelivery(appId, local.name, message);
    const frame = encodeTextFrame(message.frame);
    const except = message.except;
    let frames = 0;
    for (const conn of local.sockets) {
      if (conn.id === except) continue;
      conn.writeFrame(frame);
      frames++;
    }
    if (local.pending.size > 0) {
      for (const [conn, missed] of local.pending) if (conn.id !== except) missed.push({ frame, text: message.frame });
    }
    if (frames > 0) this.counted(appId, frames, frames * frame.length);
    span?.end(frames, frames * frame.length);
  }
}
