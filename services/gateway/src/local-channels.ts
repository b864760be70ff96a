import { activeTracing, hasV1Prefix, toV2Prefix, withPosition, type AppId, type Bus, type BusMessage, type ChannelName, type LoggedMessage, type Subscription } from '@sockudo-ts/shared';
import type { Connection } from './connection.js';
import { encodeTextFrame } from './frame.js';

/** MissedFrame is a frame published while a socket was pending or held, with its message for the activation checks. */
interface MissedFrame {
  frame: Buffer;
  message: BusMessage;
}

/** ChannelHistory is a run of a channel's logged events, oldest first, replayed to one socket. */
export interface ChannelHistory {
  streamId: string;
  messages: readonly LoggedMessage[];
}

/** ActivateOptions say what a socket gets when its subscription goes live, before the frames it missed. */
export interface ActivateOptions {
  /** replay is a cache channel's last event (skipped when the socket missed that very frame). */
  replay?: string;
  /** keep sees each missed frame's text in order and drops those it returns false for. */
  keep?: (text: string) => boolean;
  /** history is replayed first; missed events it already holds (by serial) are then skipped. */
  history?: ChannelHistory;
}

/** Written counts what a replay wrote to a socket: logged events and live frames held meanwhile. */
export interface Written {
  history: number;
  live: number;
}

/** LocalChannel is one channel's subscribers on this node and its bus subscription. */
interface LocalChannel {
  readonly name: ChannelName;
  /** sockets receive every frame published to the channel. */
  readonly sockets: Set<Connection>;
  /** pending holds sockets whose subscription is not confirmed yet, with the frames they missed meanwhile. */
  readonly pending: Map<Connection, MissedFrame[]>;
  /** held holds live sockets being replayed to (resume), with the frames that arrived meanwhile. */
  held?: Map<Connection, MissedFrame[]>;
  /** floors holds, per replayed socket, the last serial its replay wrote; events up to it are not sent again. */
  floors?: Map<Connection, { serial: number; streamId: string }>;
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
   * activate moves a pending socket to the live set and writes, in order: `history` (logged events, for a
   * rewind or a resume), or else `replay` (a cache channel's last event, skipped when the socket missed that very
   * frame), then the frames the socket missed while pending, less those the history already holds and those
   * `keep` drops. Returns how many history events and missed frames it wrote.
   */
  activate(appId: AppId, channel: ChannelName, conn: Connection, options: ActivateOptions = {}): Written {
    const local = this.apps.get(appId)?.get(channel);
    const pending = local?.pending.get(conn);
    if (local === undefined || pending === undefined) return { history: 0, live: 0 };
    local.pending.delete(conn);
    local.sockets.add(conn);
    const { replay, keep, history } = options;
    let missed = keep === undefined ? pending : pending.filter((m) => keep(m.message.frame));
    if (history === undefined && replay !== undefined && !missed.some((m) => m.message.frame === replay)) {
      missed.unshift({ frame: encodeTextFrame(replay), message: { frame: replay } });
    }
    return this.writeReplay(appId, local, conn, history, missed);
  }

  /**
   * hold starts keeping a live socket's frames of a channel instead of writing them, until `release`; a resume
   * replays the logged events meanwhile. False when the socket is not live on the channel.
   */
  hold(appId: AppId, channel: ChannelName, conn: Connection): boolean {
    const local = this.apps.get(appId)?.get(channel);
    if (local === undefined || !local.sockets.has(conn)) return false;
    (local.held ??= new Map()).set(conn, []);
    return true;
  }

  /**
   * release writes `history` and then the frames held since `hold`, less the events the history already holds
   * (by serial), and writes the socket's frames directly again.
   */
  release(appId: AppId, channel: ChannelName, conn: Connection, history?: ChannelHistory): Written {
    const local = this.apps.get(appId)?.get(channel);
    const held = local?.held?.get(conn);
    if (local === undefined || held === undefined) return { history: 0, live: 0 };
    local.held!.delete(conn);
    if (local.held!.size === 0) local.held = undefined;
    return this.writeReplay(appId, local, conn, history, held);
  }

  /**
   * writeReplay writes logged events, then live frames whose serial is past the last logged one, and keeps that
   * serial as the socket's floor until a later one is delivered: a gap fill still under way on this node may
   * deliver events the replay already gave it.
   */
  private writeReplay(appId: AppId, local: LocalChannel, conn: Connection, history: ChannelHistory | undefined, live: MissedFrame[]): Written {
    let bytes = 0;
    let frames = 0;
    let last = 0;
    if (history !== undefined) {
      for (const m of history.messages) {
        if (m.except === conn.id) continue;
        const frame = encodeTextFrame(conn.isV2 ? withPosition(m.frame, m.serial, history.streamId, m.messageId) : m.frame);
        conn.writeFrame(frame);
        bytes += frame.length;
        frames++;
      }
      last = history.messages[history.messages.length - 1]?.serial ?? 0;
    }
    const written = frames;
    for (const { frame, message } of live) {
      if (message.serial !== undefined && message.serial <= last && message.streamId === history?.streamId) continue;
      const out = conn.isV2 && message.serial !== undefined ? encodeTextFrame(v2Text(message)) : conn.nativeV2 && hasV1Prefix(message.frame) ? encodeTextFrame(toV2Prefix(message.frame)) : frame;
      conn.writeFrame(out);
      bytes += out.length;
      frames++;
    }
    if (frames > 0) this.counted(appId, frames, bytes);
    if (last > 0) (local.floors ??= new Map()).set(conn, { serial: last, streamId: history!.streamId });
    return { history: written, live: frames - written };
  }

  /** remove drops a socket from a channel; the bus subscription ends with the channel's last local socket. */
  remove(appId: AppId, channel: ChannelName, conn: Connection): void {
    const channels = this.apps.get(appId);
    const local = channels?.get(channel);
    if (local === undefined) return;
    local.sockets.delete(conn);
    local.pending.delete(conn);
    local.held?.delete(conn);
    local.floors?.delete(conn);
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
    const serial = message.serial;
    const held = local.held;
    const floors = local.floors;
    // why: the V2 form (with serial, stream_id, message_id) is built once, on the first V2 socket.
    let v2: Buffer | undefined;
    let renamed: Buffer | undefined;
    let frames = 0;
    let bytes = 0;
    for (const conn of local.sockets) {
      if (conn.id === except) continue;
      if (held !== undefined) {
        const kept = held.get(conn);
        if (kept !== undefined) {
          kept.push({ frame, message });
          continue;
        }
      }
      if (floors !== undefined && serial !== undefined) {
        const floor = floors.get(conn);
        if (floor !== undefined) {
          if (serial <= floor.serial && message.streamId === floor.streamId) continue;
          floors.delete(conn);
        }
      }
      const out = serial !== undefined && conn.isV2 ? (v2 ??= encodeTextFrame(v2Text(message))) : conn.nativeV2 && hasV1Prefix(message.frame) ? (renamed ??= encodeTextFrame(toV2Prefix(message.frame))) : frame;
      conn.writeFrame(out);
      frames++;
      bytes += out.length;
    }
    if (local.pending.size > 0) {
      for (const [conn, missed] of local.pending) if (conn.id !== except) missed.push({ frame, message });
    }
    if (frames > 0) this.counted(appId, frames, bytes);
    span?.end(frames, bytes);
  }
}

/** v2Text is a sequenced message's V2 frame text. */
function v2Text(message: BusMessage): string {
  return withPosition(message.frame, message.serial!, message.streamId ?? '', message.id ?? '');
}
