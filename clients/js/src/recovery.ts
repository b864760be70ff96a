import { DEFAULT_HISTORY_TIMEOUT_MS, HistoryRequests, type HistoryPage, type HistoryQuery } from './history.js';

/** Position is where a client is in a channel's stream: the last serial it received and that stream's id. */
export interface Position {
  serial: number;
  stream_id: string;
  last_message_id?: string;
}

/** Rewind asks for a channel's last events on subscribe: a count (`5`, `{count: 5}`) or `{seconds: 30}`. */
export type Rewind = number | { count: number } | { seconds: number };

/** RecoveryOptions tune the recovery a Pusher instance gets. */
export interface RecoveryOptions {
  /** dedupCapacity is how many recent message ids are remembered for de-duplication. Default 1000. */
  dedupCapacity?: number;
}

/** RecoveryHandle is what `enableRecovery` returns: the positions it keeps and rewind on subscribe. */
export interface RecoveryHandle {
  /** positions is a copy of the last position per channel (what the next resume sends). */
  positions(): Record<string, Position>;
  /** subscribe subscribes like `pusher.subscribe`, asking the server for the channel's last events first. */
  subscribe(channel: string, rewind: Rewind): unknown;
  /**
   * channelHistory reads one page of a subscribed channel's durable history over the socket
   * (`sockudo:channel_history`, the server needs `[history] enabled`): the same query fields and page as the
   * HTTP API's `GET /apps/{id}/channels/{channel}/history`. It rejects with HistoryError when the server refuses
   * the read (code 4300: not subscribed, history off or unavailable, a bad query) or gives no answer within
   * `timeoutMs` (default 10 s).
   */
  channelHistory(channel: string, query?: HistoryQuery, options?: { timeoutMs?: number }): Promise<HistoryPage>;
}

/**
 * PusherLike is the part of a pusher-js 8 instance that recovery uses. `connection.connection.transport` is
 * pusher-js's current transport; recovery reads its raw frames to see serials, which pusher-js drops.
 */
export interface PusherLike {
  subscribe(channel: string): unknown;
  unsubscribe(channel: string): void;
  subscribeAll(): void;
  send_event(event: string, data: unknown, channel?: string): boolean;
  channel(name: string): unknown;
  connection: { state: string; connection?: { transport?: TransportLike } | null };
}

/** TransportLike is pusher-js's transport connection: an event dispatcher whose `message` events carry raw frames. */
interface TransportLike {
  emit(event: string, data?: unknown, metadata?: unknown): unknown;
}

/** WireFrame is a server frame as sent: V2 broadcasts carry serial, stream_id and message_id. */
interface WireFrame {
  event?: unknown;
  channel?: unknown;
  data?: unknown;
  serial?: unknown;
  stream_id?: unknown;
  message_id?: unknown;
}

/**
 * enableRecovery gives a pusher-js 8 instance connection recovery against sockudo-ts, without changing how the
 * application uses it (so Laravel Echo takes it through its `client` option unchanged):
 * - on every connection it opts the socket in with `sockudo:enable_v2` (pusher-js connects with protocol 7),
 *   so broadcasts carry serial, stream_id and message_id;
 * - it remembers the last position per subscribed channel and, on every reconnect, sends `sockudo:resume`
 *   before pusher-js resubscribes, so each subscribe replays what the channel missed, in order, before live events;
 * - it drops a frame whose message id it has seen or whose serial it is already past (a replay overlapping
 *   live delivery), so the application sees every event once;
 * - a channel whose position cannot be resumed (`sockudo:resume_failed`, e.g. `position_expired`) starts over;
 *   the application can bind that event on the channel to refetch state.
 * Call it right after constructing the instance, before it connects.
 */
export function enableRecovery(pusher: PusherLike, options: RecoveryOptions = {}): RecoveryHandle {
  const positions = new Map<string, Position>();
  const seen = new RecentIds(options.dedupCapacity ?? 1000);
  const rewinds = new Map<string, Rewind>();
  const history = new HistoryRequests();
  let instrumented: TransportLike | undefined;

  /** accept reads a raw frame before pusher-js does; false drops it. */
  const accept = (raw: unknown): boolean => {
    const text = (raw as { data?: unknown } | undefined)?.data;
    if (typeof text !== 'string' || (!text.includes('"s') && !history.waiting(text))) return true;
    let frame: WireFrame;
    try {
      frame = JSON.parse(text) as WireFrame;
    } catch {
      return true;
    }
    history.observe(frame);
    const channel = frame.channel;
    if (typeof frame.serial === 'number' && typeof frame.stream_id === 'string' && typeof channel === 'string') {
      const id = typeof frame.message_id === 'string' ? frame.message_id : undefined;
      if (id !== undefined && seen.has(id)) return false;
      const at = positions.get(channel);
      if (at !== undefined && at.stream_id === frame.stream_id && frame.serial <= at.serial) return false;
      if (id !== undefined) seen.add(id);
      positions.set(channel, id === undefined ? { serial: frame.serial, stream_id: frame.stream_id } : { serial: frame.serial, stream_id: frame.stream_id, last_message_id: id });
      return true;
    }
    if (frame.event === 'sockudo:resume_failed' && typeof channel === 'string') positions.delete(channel);
    if (frame.event === 'sockudo:resume_success') adoptResumed(frame.data, positions);
    return true;
  };

  /** instrument makes the current transport show recovery its raw frames first. */
  const instrument = (): void => {
    const transport = pusher.connection.connection?.transport;
    if (transport === undefined || transport === instrumented) return;
    instrumented = transport;
    const emit = transport.emit.bind(transport);
    transport.emit = (event: string, data?: unknown, metadata?: unknown) => (event === 'message' && !accept(data) ? transport : emit(event, data, metadata));
  };

  /** onConnected opts the new socket in and asks it to resume every channel still subscribed. */
  const onConnected = (): void => {
    instrument();
    pusher.send_event('sockudo:enable_v2', {});
    const resume: Record<string, Position> = {};
    for (const [channel, position] of positions) {
      if (pusher.channel(channel) === undefined) positions.delete(channel);
      else resume[channel] = { ...position };
    }
    if (Object.keys(resume).length > 0) pusher.send_event('sockudo:resume', { channel_positions: resume });
  };

  // why: pusher-js resubscribes every channel from subscribeAll when it connects; opting in and resuming
  // first makes each resubscribe replay its channel's missed events before live ones.
  const subscribeAll = pusher.subscribeAll.bind(pusher);
  pusher.subscribeAll = () => {
    onConnected();
    subscribeAll();
  };
  const sendEvent = pusher.send_event.bind(pusher);
  pusher.send_event = (event: string, data: unknown, channel?: string) => {
    if (event === 'pusher:subscribe' && typeof data === 'object' && data !== null) {
      const name = (data as { channel?: unknown }).channel;
      const rewind = typeof name === 'string' && !positions.has(name) ? rewinds.get(name) : undefined;
      if (rewind !== undefined) return sendEvent(event, { ...data, rewind }, channel);
    }
    return sendEvent(event, data, channel);
  };
  const unsubscribe = pusher.unsubscribe.bind(pusher);
  pusher.unsubscribe = (channel: string) => {
    positions.delete(channel);
    rewinds.delete(channel);
    unsubscribe(channel);
  };
  if (pusher.connection.state === 'connected') onConnected();

  return {
    positions: () => Object.fromEntries([...positions].map(([channel, p]) => [channel, { ...p }])),
    subscribe: (channel, rewind) => {
      rewinds.set(channel, rewind);
      return pusher.subscribe(channel);
    },
    channelHistory: (channel, query = {}, { timeoutMs = DEFAULT_HISTORY_TIMEOUT_MS } = {}) =>
      history.request((data) => pusher.connection.state === 'connected' && sendEvent('sockudo:channel_history', data), channel, query, timeoutMs),
  };
}

/** adoptResumed takes the positions a `sockudo:resume_success` reports for recovered channels. */
function adoptResumed(data: unknown, positions: Map<string, Position>): void {
  let body = data;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return;
    }
  }
  const recovered = (body as { recovered?: unknown } | null)?.recovered;
  if (!Array.isArray(recovered)) return;
  for (const entry of recovered as Array<{ channel?: unknown; position?: { serial?: unknown; stream_id?: unknown } }>) {
    const p = entry.position;
    if (typeof entry.channel !== 'string' || typeof p?.serial !== 'number' || typeof p.stream_id !== 'string') continue;
    const at = positions.get(entry.channel);
    if (at === undefined || at.stream_id !== p.stream_id || at.serial < p.serial) positions.set(entry.channel, { serial: p.serial, stream_id: p.stream_id });
  }
}

/** RecentIds remembers the last `capacity` ids, oldest forgotten first. */
class RecentIds {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity: number) {}

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    this.ids.add(id);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value!);
  }
}
