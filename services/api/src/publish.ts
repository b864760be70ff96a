import {
  badRequest,
  cacheKey,
  cacheMissKey,
  channelNameProblem,
  encodeEvent,
  isCacheChannel,
  isPresenceChannel,
  payloadTooLarge,
  type App,
  type Bus,
  type BusMessage,
  type CacheStore,
  type Presence,
} from '@sockudo-ts/shared';

const SOCKET_ID = /^\d+\.\d+$/;

/** EventRequest is one validated event to publish. */
export interface EventRequest {
  name: string;
  data: string;
  channels: string[];
  socketId?: string;
  info: Set<string>;
}

/** parseEvent validates one event of `/events` or `/batch_events`; errors name the field. */
export function parseEvent(app: App, raw: unknown, where = ''): EventRequest {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw badRequest(`${where}body must be a JSON object`);
  const body = raw as Record<string, unknown>;
  const { name, data, channels, channel, socket_id: socketId, info } = body;
  if (typeof name !== 'string' || name === '') throw badRequest(`${where}name is required and must be a string`);
  if (name.length > app.max_event_name_length) throw badRequest(`${where}name is longer than ${app.max_event_name_length} characters`);
  if (data === undefined) throw badRequest(`${where}data is required`);
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  if (Buffer.byteLength(text) > app.max_event_payload_in_kb * 1024) {
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
  if (socketId !== undefined && (typeof socketId !== 'string' || !SOCKET_ID.test(socketId))) {
    throw badRequest(`${where}socket_id must look like "123.456"`);
  }
  return { name, data: text, channels: list as string[], socketId: socketId as string | undefined, info: parseInfo(info, `${where}info`) };
}

/** parseInfo splits an `info` attribute list (`user_count,subscription_count`). */
export function parseInfo(raw: unknown, field = 'info'): Set<string> {
  if (raw === undefined || raw === null || raw === '') return new Set();
  if (typeof raw !== 'string') throw badRequest(`${field} must be a comma-separated string`);
  return new Set(raw.split(',').map((s) => s.trim()).filter(Boolean));
}

/** Publisher sends validated events to the bus and keeps cache channels' last events. */
export class Publisher {
  constructor(
    private readonly bus: Bus,
    private readonly cache: CacheStore,
    private readonly presence: Presence,
    private readonly cacheTtlS: number,
  ) {}

  /** publish serializes the frame once per channel and hands it to the bus, with the caller's trace context. */
  async publish(app: App, event: EventRequest, traceparent?: string): Promise<void> {
    await Promise.all(
      event.channels.map(async (channel) => {
        const message: BusMessage = { frame: encodeEvent(event.name, channel, event.data) };
        if (event.socketId !== undefined) message.except = event.socketId;
        if (traceparent !== undefined) message.traceparent = traceparent;
        await this.bus.publish(app.id, channel, message);
        if (isCacheChannel(channel)) {
          await this.cache.set(cacheKey(app.id, channel), message.frame, this.cacheTtlS);
          await this.cache.delete(cacheMissKey(app.id, channel));
        }
      }),
    );
  }

  /** channelInfo returns the requested attributes for each channel of an event. */
  async channelInfo(app: App, event: EventRequest): Promise<Record<string, Record<string, number>>> {
    // why: one presence read per channel, in parallel; with the gRPC presence service they are round trips.
    const counts = await Promise.all(event.channels.map((channel) => this.presence.counts(app.id, channel)));
    const out: Record<string, Record<string, number>> = Object.create(null) as Record<string, Record<string, number>>; // why: a channel may be named __proto__
    event.channels.forEach((channel, i) => {
      const entry: Record<string, number> = {};
      if (event.info.has('user_count') && isPresenceChannel(channel)) entry.user_count = counts[i]!.userCount;
      if (event.info.has('subscription_count')) entry.subscription_count = counts[i]!.subscriptionCount;
      out[channel] = entry;
    });
    return out;
  }
}
