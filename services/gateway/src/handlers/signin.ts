import { CloseCode, asUserId, encodeInternal, frameData, signinAuthString, verifyAuth, type ClientFrame, type UserId } from '@sockudo-ts/shared';
import type { GatewayContext } from '../context.js';
import type { Connection } from '../connection.js';

/** MAX_WATCHLIST is how many watchlist ids a socket keeps (PROTOCOL.md §6); more get 4302. */
const MAX_WATCHLIST = 100;

/**
 * handleSignin runs `pusher:signin` (PROTOCOL.md §6): verifies the signature over the exact user_data,
 * marks the user online cluster-wide, answers signin_success and sends the watchlist's initial state.
 */
export async function handleSignin(ctx: GatewayContext, conn: Connection, frame: ClientFrame): Promise<void> {
  const { app } = conn;
  if (!app.enable_user_authentication) {
    conn.close(CloseCode.Unauthorized, 'User authentication is not enabled for this app');
    return;
  }
  const data = frameData(frame);
  const userData = data?.user_data;
  if (typeof userData !== 'string' || !verifyAuth(data!.auth, app.key, app.secret, signinAuthString(conn.id, userData))) {
    conn.close(CloseCode.Unauthorized, 'Invalid signin signature');
    return;
  }
  let user: { id?: unknown; watchlist?: unknown };
  try {
    user = JSON.parse(userData) as typeof user;
  } catch {
    conn.close(CloseCode.Unauthorized, 'user_data must be JSON');
    return;
  }
  if (typeof user !== 'object' || user === null || typeof user.id !== 'string' || user.id === '') {
    conn.close(CloseCode.Unauthorized, 'user_data.id must be a non-empty string');
    return;
  }
  if (conn.userId !== undefined && conn.userId !== user.id) {
    conn.sendError(CloseCode.Unauthorized, 'This socket is already signed in as another user');
    return;
  }
  const firstSignin = conn.userId === undefined;
  const userId = asUserId(user.id);
  conn.signIn(userId, userData);
  if (firstSignin) {
    ctx.users.addSocket(conn);
    await ctx.presence.signin(app.id, conn.id, userId);
  }
  conn.send(encodeInternal('pusher:signin_success', { user_data: userData }));
  if (firstSignin && Array.isArray(user.watchlist)) await startWatchlist(ctx, conn, user.watchlist);
}

/** startWatchlist records a signed-in socket's watchlist and sends its initial online/offline state. */
async function startWatchlist(ctx: GatewayContext, conn: Connection, ids: unknown[]): Promise<void> {
  const { app } = conn;
  let watchlist = [...new Set(ids.filter((id): id is UserId => typeof id === 'string' && id !== ''))];
  if (watchlist.length > MAX_WATCHLIST) {
    watchlist = watchlist.slice(0, MAX_WATCHLIST);
    conn.sendError(CloseCode.WatchlistOverLimit, `Watchlist is limited to ${MAX_WATCHLIST} users; the first ${MAX_WATCHLIST} are kept`);
  }
  if (!app.enable_watchlist_events || watchlist.length === 0) return;
  // why: a notice may arrive while the initial state is read; it is newer, so it goes out after that state.
  conn.startWatching(watchlist);
  ctx.users.watch(conn, watchlist);
  try {
    const online = new Set(await ctx.presence.onlineUsers(app.id, watchlist));
    const events: Array<{ name: string; user_ids: string[] }> = [];
    if (online.size > 0) events.push({ name: 'online', user_ids: [...online] });
    const offline = watchlist.filter((id) => !online.has(id));
    if (offline.length > 0) events.push({ name: 'offline', user_ids: offline });
    conn.send(encodeInternal('pusher_internal:watchlist_events', { events }));
  } finally {
    conn.releaseWatchlistNotices();
  }
}
