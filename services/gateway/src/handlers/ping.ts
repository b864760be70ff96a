import type { GatewayContext } from '../context.js';
import type { Connection } from '../connection.js';

const PONG = '{"event":"pusher:pong","data":"{}"}';

/**
 * handlePing answers `pusher:ping` with `pusher:pong` (PROTOCOL.md §3). It runs in the socket's frame
 * order like every handler, so a pong also tells the client that every frame it sent before the ping was
 * handled.
 */
export function handlePing(_ctx: GatewayContext, conn: Connection): void {
  conn.send(PONG);
}
