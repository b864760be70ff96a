import type { AppId, ChannelName, SocketId, UserId } from '../ids.js';

/**
 * BusMessage is one frame for one channel, as it crosses nodes. `frame` is the Pusher frame text,
 * serialized once by the publisher so that every node writes it to its sockets without touching JSON.
 */
export interface BusMessage {
  frame: string;
  /** except is a socket id that must not receive the frame (the publisher's own socket). */
  except?: SocketId;
  /** id identifies the message across nodes (tracing, de-duplication). */
  id?: string;
  /**
   * dedupe says `id` comes from the publisher's idempotency key, so a retry carries it again: a bus that
   * de-duplicates by id (JetStream, within its duplicate window) stores the retry once. Other ids are random
   * and never repeat, so they are not tracked.
   */
  dedupe?: boolean;
  /** traceparent is the W3C trace context of the publish, carried to every node. */
  traceparent?: string;
  /** serial is the event's place in its channel's stream (with recovery on); `id` is then its message id. */
  serial?: number;
  /** streamId names the channel's stream the serial belongs to. */
  streamId?: string;
  /**
   * sequenced asks a bus that assigns serials (JetStreamBus) to store the message and give it one; notices
   * (members, counts) leave it unset and travel unsequenced.
   */
  sequenced?: boolean;
}

/**
 * PublishPosition is where a published message landed in its channel's history: `serial` increases per
 * channel and `streamId` changes only when the channel's history is reset. Empty when the bus assigns no
 * positions (NATS core, the in-process bus).
 */
export interface PublishPosition {
  serial?: number;
  streamId?: string;
}

/** ControlMessage is a cluster-wide instruction or notice that is not tied to one channel's subscribers. */
export type ControlMessage =
  | { type: 'terminate_user'; appId: AppId; userId: UserId }
  | { type: 'user_presence'; appId: AppId; userId: UserId; online: boolean };

/** BusHandler receives the messages of one subscribed channel. */
export type BusHandler = (message: BusMessage) => void;

/** Subscription is a live interest in one channel; `unsubscribe` ends it. */
export interface Subscription {
  unsubscribe(): Promise<void>;
}

/**
 * Bus moves channel messages and control messages between nodes. Subscribing is interest-based: a node
 * subscribes to a channel only while it has local subscribers, and receives only those channels.
 * Implementations: MemoryBus (one process), NatsBus.
 */
export interface Bus {
  /** publish sends a message to every node subscribed to (app, channel), including this one. */
  publish(appId: AppId, channel: ChannelName, message: BusMessage): Promise<PublishPosition>;
  /** subscribe registers interest in (app, channel); the handler runs for every message published there. */
  subscribe(appId: AppId, channel: ChannelName, handler: BusHandler): Promise<Subscription>;
  /** publishControl sends a control message to every node, including this one. */
  publishControl(message: ControlMessage): Promise<void>;
  /** onControl registers a handler for control messages; call it once per consumer. */
  onControl(handler: (message: ControlMessage) => void): void;
  /** close stops delivery and releases the connection. */
  close(): Promise<void>;
}
