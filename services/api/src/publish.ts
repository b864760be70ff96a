import {
  badRequest,
  channelNameProblem,
  isPresenceChannel,
  isSocketId,
  payloadTooLarge,
  type App,
  type ChannelName,
  type ChannelPublisher,
  type Presence,
  type SocketId,
} from '@sockudo-ts/shared';

/** EventRequest is one validated event to publish. */
export interface EventRequest {
  name: string;
  data: string;
  channels: ChannelName[];
  socketId?: SocketId;
  info: ReadonlySet<string>;
  /** idempotencyKey makes a retried publish land once (Sockudo's `idempotency_key`; sequenced channels). */
  idempotencyKey?: string;
}

/** parseEvent validates one event of `/events` or `/batch_events`; errors name the field. */
export function parseEvent(app: App, raw: unknown, where = ''): EventRequest {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw badRequest(`${where}body must be a JSON object`);
  const body = raw as Record<string, unknown>;
  const { name, data, channels, channel, socket_id: socketId, info, idempotency_key: idempotencyKey } = body;
  if (typeof name !== 'string' || name === '') throw badRequest(`${where}name is required and must be a string`);
  if (name.length > app.max_event_name_length) throw badRequest(`${where}name is longer than ${app.max_event_name_length} characters`);
  if (data === undefined) throw badRequest(`${where}data is required`);
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  const maxBytes = app.max_event_payload_in_kb * 1024;
  // why: UTF-8 takes at most 3 bytes per UTF-16 unit, so most payloads need no count of their bytes.
  if (text.length * 3 > maxBytes && Buffer.byteLength(text) > maxBytes) {
    throw payloadTooLarge(`${where}data is larger than ${app.max_event_payload_in_kb} KB`);
  }
  let list: unknown[];
  if (channels !== undefined) {
    if (!Array.isArray(channels)) throw badRequest(`${where}channels must be a list of channel names`);
    list = channels;
  } else if (channel !== undefined) {
    list = [channel];
  } else {
    throw badRequest(`${where}channels (or channel) is required`);
  }
  if (list.length === 0) throw badRequest(`${where}channels must name at least one channel`);
  if (list.length > app.max_event_channels_at_once) {
    throw badRequest(`${where}channels has more than ${app.max_event_channels_at_once} channels`);
  }
  for (const ch of list) {
    const problem = channelNameProblem(ch, app.max_channel_name_length);
    if (problem !== undefined) throw badRequest(`${where}channels: ${JSON.stringify(ch)}: ${problem}`);
  }
  if (socketId !== undefined && !isSocketId(socketId)) throw badRequest(`${where}socket_id must look like "123.456"`);
  if (idempotencyKey !== undefined && (typeof idempotencyKey !== 'string' || idempotencyKey === '' || idempotencyKey.length > 200)) {
    throw badRequest(`${where}idempotency_key must be a string of 1 to 200 characters`);
  }
  // why: every entry was checked as a channel name above; the list is kept as it is (no copy per event).
  const parsed: EventRequest = { name, data: text, channels: list as ChannelName[], socketId, info: parseInfo(info, `${where}info`) };
  if (idempotencyKey !== undefined) parsed.idempotencyKey = idempotencyKey;
  return parsed;
}

const NO_INFO: ReadonlySet<string> = new Set();

/** parseInfo splits an `info` attribute list (`user_count,subscription_count`). */
export function parseInfo(raw: unknown, field = 'info'): ReadonlySet<string> {
  if (raw === undefined || raw === null || raw === '') return NO_INFO;
  if (typeof raw !== 'string') throw badRequest(`${field} must be a comma-separated string`);
  return new Set(raw.split(',').map((s) => s.trim()).filter(Boolean));
}

/** Publisher sends validated events through the channel publisher and reads their channels' info. */
export class Publisher {
  constructor(private readonly channels: ChannelPublisher, private readonly presence: Presence) {}

  /** publish hands the event to every channel it names, with the caller's trace context; resolves once all took it. */
  publish(app: App, event: EventRequest, traceparent?: string): Promise<unknown> {
    const options = { except: event.socketId, traceparent, idempotencyKey: event.idempotencyKey };
    const { channels } = event;
    // why: most events name one channel; its publish is the answer (no list of promises, no promise around it).
    if (channels.length === 1) return this.channels.publish(app.id, { channel: channels[0]!, name: event.name, data: event.data }, options);
    return Promise.all(channels.map((channel) => this.channels.publish(app.id, { channel, name: event.name, data: event.data }, options)));
  }

  /** channelInfo returns the requested attributes for each channel of an event. */
  async channelInfo(app: App, event: EventRequest): Promise<Record<ChannelName, Record<string, number>>> {
    // why: one presence read per channel, in parallel; with the gRPC presence service they are round trips.
    const counts = await Promise.all(event.channels.map((channel) => this.presence.counts(app.id, channel)));
    const out: Record<ChannelName, Record<string, number>> = Object.create(null) as Record<ChannelName, Record<string, number>>; // why: a channel may be named __proto__
    event.channels.forEach((channel, i) => {
      const entry: Record<string, number> = {};
      if (event.info.has('user_count') && isPresenceChannel(channel)) entry.user_count = counts[i]!.userCount;
      if (event.info.has('subscription_count')) entry.subscription_count = counts[i]!.subscriptionCount;
      out[channel] = entry;
    });
    return out;
  }
}
