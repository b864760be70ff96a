/**
 * BusMessage is one event for one channel, as it crosses nodes. `frame` is the Pusher frame text,
 * serialized once by the publisher so that every node writes it to its sockets without touching JSON.
 */
export interface BusMessage {
  frame: string;
  /** except is a socket id that must not receive the frame (the publisher's own socket). */
  except?: string;
  /** id identifies the message across nodes (tracing, de-duplication). */
  id?: string;
  /** traceparent is the W3C trace context of the publish, carried to every node. */
  traceparent?: string;
}

/** ControlMessage is a cluster-wide instruction or notice that is not tied to one channel's subscribers. */
export type ControlMessage =
  | { type: 'terminate_user'; app: string; userId: string }
  | { type: 'user_presence'; app: string; userId: string; online: boolean }
  | { type: 'node_heartbeat'; node: string };

/** BusHandler receives the messages of one subscribed channel. */
export type BusHandler = (message: BusMessage) => void;

/** Subscription is a live interest in one channel; `unsubscribe` ends it. */
export interface Subscription {
  unsubscribe(): Promise<void>;
}

/**
 * Bus moves channel messages and control messages between nodes. Subscribing is interest-based: a node
 * subscribes to a channel only while it has local subscribers, and receives only those channels.
 */
export interface Bus {
  /** publish sends a message to every node subscribed to (app, channel), including this one. */
  publish(app: string, channel: string, message: BusMessage): Promise<void>;
  /** subscribe registers interest in (app, channel); the handler runs for every message published there. */
  subscribe(app: string, channel: string, handler: BusHandler): Promise<Subscription>;
  /** publishControl sends a control message to every node, including this one. */
  publishControl(message: ControlMessage): Promise<void>;
  /** onControl registers a handler for control messages; call it once per consumer. */
  onControl(handler: (message: ControlMessage) => void): void;
  /** close stops delivery and releases the connection. */
  close(): Promise<void>;
}
