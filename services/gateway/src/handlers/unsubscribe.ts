import { asChannelName, frameData, type ClientFrame } from '@sockudo-ts/shared';
import type { GatewayContext } from '../context.js';
import type { Connection } from '../connection.js';

/** handleUnsubscribe runs `pusher:unsubscribe`: no reply; presence runs the leave logic (member_removed, vacated). */
export async function handleUnsubscribe(ctx: GatewayContext, conn: Connection, frame: ClientFrame): Promise<void> {
  const raw = frameData(frame)?.channel;
  if (typeof raw !== 'string') return;
  const channel = asChannelName(raw);
  if (!conn.endSubscription(channel)) return;
  ctx.channels.remove(conn.app.id, channel, conn);
  await ctx.presence.unsubscribe(conn.app.id, channel, conn.id);
}
