import { encodeInternal, type AppId, type UserId } from '@sockudo-ts/shared';
import type { Connection } from './connection.js';

/** UserIndexSizes counts what a UserIndex holds (leak checks). */
export interface UserIndexSizes {
  /** users is the number of users with a signed-in socket on this node. */
  users: number;
  /** signedIn is the number of signed-in sockets indexed. */
  signedIn: number;
  /** watched is the number of users watched by a socket on this node. */
  watched: number;
  /** watchers is the number of (watched user, watching socket) pairs. */
  watchers: number;
}

/** UserIndex finds this node's signed-in sockets by user and the sockets watching a user. */
export class UserIndex {
  private readonly sockets = new Map<AppId, Map<UserId, Set<Connection>>>();
  private readonly watchers = new Map<AppId, Map<UserId, Set<Connection>>>();

  /** addSocket records a signed-in socket under its user. */
  addSocket(conn: Connection): void {
    addTo(this.sockets, conn.app.id, conn.userId!, conn);
  }

  /** watch records that a socket wants online/offline notices for these users. */
  watch(conn: Connection, userIds: readonly UserId[]): void {
    for (const id of userIds) addTo(this.watchers, conn.app.id, id, conn);
  }

  /** socketsOf lists this node's sockets signed in as a user. */
  socketsOf(appId: AppId, userId: UserId): Connection[] {
    return [...(this.sockets.get(appId)?.get(userId) ?? [])];
  }

  /**
   * notifyWatchers tells this node's sockets watching a user that it came online or went offline; sockets
   * still reading their initial watchlist state get the notice right after it.
   */
  notifyWatchers(appId: AppId, userId: UserId, online: boolean): void {
    let text: string | undefined;
    for (const conn of this.watchers.get(appId)?.get(userId) ?? []) {
      if (!conn.app.enable_watchlist_events) continue;
      text ??= encodeInternal('pusher_internal:watchlist_events', { events: [{ name: online ? 'online' : 'offline', user_ids: [userId] }] });
      conn.sendWatchlistNotice(text);
    }
  }

  /** remove forgets a socket everywhere; empty sets and maps are deleted. */
  remove(conn: Connection): void {
    if (conn.userId !== undefined) removeFrom(this.sockets, conn.app.id, conn.userId, conn);
    for (const id of conn.watchlist) removeFrom(this.watchers, conn.app.id, id, conn);
  }

  /** sizes counts indexed users, sockets and watchers (leak checks). */
  sizes(): UserIndexSizes {
    const out: UserIndexSizes = { users: 0, signedIn: 0, watched: 0, watchers: 0 };
    for (const byUser of this.sockets.values()) {
      out.users += byUser.size;
      for (const set of byUser.values()) out.signedIn += set.size;
    }
    for (const byUser of this.watchers.values()) {
      out.watched += byUser.size;
      for (const set of byUser.values()) out.watchers += set.size;
    }
    return out;
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
