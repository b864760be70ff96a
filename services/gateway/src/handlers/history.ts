import { CloseCode, DependencyUnavailable, HistoryQueryError, asChannelName, encodeInternal, frameData, historyQueryOf, type ClientFrame } from '@sockudo-ts/shared';
import type { Connection } from '../connection.js';
import type { GatewayContext } from '../context.js';

/**
 * handleChannelHistory runs `sockudo:channel_history {channel, limit?, direction?, cursor?, stream_id?, start_serial?,
 * end_serial?, start_time_ms?, end_time_ms?, request_id?}` on a V2 socket: one page of a channel the socket is
 * subscribed to (so private and presence channels stay behind their auth), answered as `sockudo:channel_history`
 * on the channel with the HTTP API's page shape (and the request_id, when given). Refusals are `pusher:error` 4300.
 */
export async function handleChannelHistory(ctx: GatewayContext, conn: Connection, frame: ClientFrame): Promise<void> {
  if (!conn.isV2) {
    conn.sendError(CloseCode.ChannelError, 'sockudo:channel_history needs a V2 socket: connect with ?protocol=2 or send sockudo:enable_v2');
    return;
  }
  const data = frameData(frame) ?? {};
  const channel = typeof data.channel === 'string' ? data.channel : undefined;
  const history = ctx.recovery?.history;
  if (history === undefined) {
    conn.sendError(CloseCode.ChannelError, 'Channel history is not enabled', channel);
    return;
  }
  if (channel === undefined || conn.subscription(asChannelName(channel))?.active !== true) {
    conn.sendError(CloseCode.ChannelError, 'sockudo:channel_history reads only a channel this socket is subscribed to', channel);
    return;
  }
  const requestId = typeof data.request_id === 'string' ? { request_id: data.request_id.slice(0, 200) } : {};
  try {
    const page = await history.read(conn.app.id, asChannelName(channel), historyQueryOf((name) => data[name]));
    conn.send(encodeInternal('sockudo:channel_history', { ...page, ...requestId }, channel));
  } catch (err) {
    if (err instanceof HistoryQueryError) return conn.sendError(CloseCode.ChannelError, err.message, channel);
    if (!(err instanceof DependencyUnavailable)) ctx.logger.error({ err, app_id: conn.app.id, channel }, 'history read failed');
    conn.sendError(CloseCode.ChannelError, 'Channel history is unavailable', channel);
  }
}
