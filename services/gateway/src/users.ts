import { CloseCode, asUserId, encodeInternal, frameData, signinAuthString, verifyAuth, type AppId, type ClientFrame, type UserId } from '@sockudo-ts/shared';
import type { Connection } from './connection.js';
import type { Gateway } from './gateway.js';

const MAX_WATCHLIST = 100;

/** UserIndex finds this node's signed-in sockets by user and the sockets watching a user. */
export class UserIndex {
  private readonly sockets = new Map<AppId, Map<UserId, Set<Connection>>>();
  private readonly watchers = new Map<AppId, Map<UserId, Set<Connection>>>();

  /** addSocket records a signed-in socket. */
  addSocket(conn: Connection): void {
    addTo(this.sockets, conn.app.id, conn.userId!, conn);
  }

  /** watch records that a socket wants online/offline notices for these users. */
  watch(conn: Connection, userIds: readonly UserId[]): void {
    for (const id of userIds) addTo(this.watchers, conn.app.id, id, conn);
  }

  socketsOf(appId: AppId, userId: UserId): Connection[] {
    return [...(this.sockets.get(appId)?.get(userId) ?? [])];
  }

  watchersOf(appId: AppId, userId: UserId): Iterable<Connection> {
    return this.watchers.get(appId)?.get(userId) ?? [];
  }

  /** remove forgets a socket everywhere; empty sets and maps are deleted. */
  remove(conn: Connection): void {
    if (conn.userId !== undefined) removeFrom(this.sockets, conn.app.id, conn.userId, conn);
    for (const id of conn.watchlist ?? []) removeFrom(this.watchers, conn.app.id, id, conn);
  }

  /** size counts indexed users and watched users (leak checks). */
  size(): number {
    let n = 0;
    for (const m of this.sockets.values()) n += m.size;
    for (const m of this.watchers.values()) n += m.size;
    return n;
  }
}

/**
 * handleSignin runs `pusher:signin` (PROTOCOL.md §6): verifies the signature over the exact user_data,
 * marks the user online cluster-wide, answers signin_success and sends the watchlist's initial state.
 */
export async function handleSignin(gw: Gateway, conn: Connection, frame: ClientFrame): Promise<void> {
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
  conn.userId = asUserId(user.id);
  conn.userData = userData;
  conn.authorized = true;
  if (firstSignin) {
    gw.users.addSocket(conn);
    await gw.deps.presence.signin(app.id, conn.id, conn.userId);
  }
  conn.send(encodeInternal('pusher:signin_success', { user_data: userData }));

  if (!firstSignin || !Array.isArray(user.watchlist)) return;
  let watchlist = [...new Set(user.watchlist.filter((id): id is UserId => typeof id === 'string' && id !== ''))];
  if (watchlist.length > MAX_WATCHLIST) {
    watchlist = watchlist.slice(0, MAX_WATCHLIST);
    conn.sendError(CloseCode.WatchlistOverLimit, `Watchlist is limited to ${MAX_WATCHLIST} users; the first ${MAX_WATCHLIST} are kept`);
  }
  if (!app.enable_watchlist_events || watchlist.length === 0) return;
  conn.watchlist = watchlist;
  // why: a notice may arrive while the initial state is read; it is newer, so it goes out after that state.
  conn.watchlistQueue = [];
  gw.users.watch(conn, watchlist);
  try {
    const online = new Set(await gw.deps.presence.onlineUsers(app.id, watchlist));
    const events: Array<{ name: string; user_ids: string[] }> = [];
    if (online.size > 0) events.push({ name: 'online', user_ids: [...online] });
    const offline = watchlist.filter((id) => !online.has(id));
    if (offline.length > 0) events.push({ name: 'offline', user_ids: offline });
    conn.send(encodeInternal('pusher_internal:watchlist_events', { events }));
  } finally {
    const queued = conn.watchlistQueue;
    conn.watchlistQueue = undefined;
    for (const text of queued) conn.send(text);
  }
}

/** notifyWatchers tells this node's watchers of a user that it came online or went offline. */
export function notifyWatchers(gw: Gateway, appId: AppId, userId: UserId, online: boolean): void {
  let text: string | undefined;
  for (const conn of gw.users.watchersOf(appId, userId)) {
    if (!conn.app.enable_watchlist_events) continue;
    text ??= encodeInternal('pusher_internal:watchlist_events', { events: [{ name: online ? 'online' : 'offline', user_ids: [userId] }] });
    if (conn.watchlistQueue !== undefined) conn.watchlistQueue.push(text);
    else conn.send(text);
  }
}

function addTo(index: Map<AppId, Map<UserId, Set<Connection>>>, appId: AppId, key: UserId, conn: Connection): void {
  let byKey = index.get(appId);
  if (byKey === undefined) {
    byKey = new Map();
    index.set(appId, byKey);
  }
  let set = byKey.get(key);
  if (set === undefined) {
    set = new Set();
    byKey.set(key, set);
  }
  set.add(conn);
}

function removeFrom(index: Map<AppId, Map<UserId, Set<Connection>>>, appId: AppId, key: UserId, conn: Connection): void {
  const byKey = index.get(appId);
  const set = byKey?.get(key);
  if (set === undefined) return;
  set.delete(conn);
  if (set.size === 0) byKey!.delete(key);
  if (byKey!.size === 0) index.delete(appId);
}
