import { CloseCode, activeTracing, asChannelName, channelType, payloadToString, type ClientFrame } from '@sockudo-ts/shared';
import type { GatewayContext } from '../context.js';
import type { Connection } from '../connection.js';

/**
 * handleClientEvent relays a `client-*` event to the channel's other subscribers cluster-wide
 * (PROTOCOL.md §5): app switch, private/presence only, subscribed sender, size limits, rate limit 4301.
 * With tracing on, its trace starts here (a server span around the relay, its publish and its webhook).
 */
export function handleClientEvent(ctx: GatewayContext, conn: Connection, frame: ClientFrame): Promise<void> {
  const tracing = activeTracing();
  if (tracing === undefined) return relay(ctx, conn, frame);
  const channel = frame.channel === undefined ? undefined : asChannelName(frame.channel);
  return tracing.clientEvent(conn.app.id, channel, frame.event, () => relay(ctx, conn, frame));
}

/** relay checks a client event and relays it; the trace of a traced client event is active around it. */
async function relay(ctx: GatewayContext, conn: Connection, frame: ClientFrame): Promise<void> {
  const { app } = conn;
  const channel = frame.channel === undefined ? undefined : asChannelName(frame.channel);
  const reject = (message: string): void => conn.sendError(CloseCode.ClientEventRejected, message, channel);
  if (!app.enable_client_messages) return reject('Client events are not enabled for this app');
  if (channel === undefined) return reject('Client events need a channel');
  const kind = channelType(channel).kind;
  if (kind !== 'private' && kind !== 'presence') return reject('Client events are only allowed on private and presence channels');
  const state = conn.subscription(channel);
  if (state === undefined || !state.active) return reject(`Subscribe to ${channel} before sending client events to it`);
  if (frame.event.length > app.max_event_name_length) return reject(`Event name is longer than ${app.max_event_name_length} characters`);
  const data = payloadToString(frame.data);
  if (Buffer.byteLength(data) > app.max_event_payload_in_kb * 1024) return reject(`Event data is larger than ${app.max_event_payload_in_kb} KB`);
  if (!conn.takeClientEventSlot(app.max_client_events_per_second)) {
    return reject(`Client event rate limit exceeded (${app.max_client_events_per_second}/s)`);
  }

  const userId = state.member?.id;
  await ctx.publisher.publish(app.id, { channel, name: frame.event, data, userId }, { except: conn.id });
  ctx.webhooks.emit(app.id, {
    name: 'client_event',
    channel,
    event: frame.event,
    data,
    socket_id: conn.id,
    ...(userId !== undefined ? { user_id: userId } : {}),
  });
}
