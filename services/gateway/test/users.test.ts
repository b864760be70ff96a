import { describe, expect, it } from 'vitest';
import { asUserId } from '@sockudo-ts/shared';
import { fakes } from './fakes.js';

describe('UserIndex', () => {
  it('finds signed-in sockets by user, notifies watchers and forgets a socket everywhere', async () => {
    const f = fakes({ enable_watchlist_events: true });
    const a = await f.connect();
    const b = await f.connect();
    a.conn.signIn(asUserId('ann'), '{"id":"ann"}');
    f.users.addSocket(a.conn);
    b.conn.signIn(asUserId('ann'), '{"id":"ann"}');
    f.users.addSocket(b.conn);
    b.conn.startWatching([asUserId('bob'), asUserId('cid')]);
    b.conn.releaseWatchlistNotices();
    f.users.watch(b.conn, b.conn.watchlist);
    expect(f.users.socketsOf(f.app.id, asUserId('ann'))).toEqual([a.conn, b.conn]);
    expect(f.users.sizes()).toEqual({ users: 1, signedIn: 2, watched: 2, watchers: 2 });

    f.users.notifyWatchers(f.app.id, asUserId('bob'), true);
    f.users.notifyWatchers(f.app.id, asUserId('nobody'), true);
    expect(f.sent(b.ws)).toEqual([{ event: 'pusher_internal:watchlist_events', data: { events: [{ name: 'online', user_ids: ['bob'] }] } }]);
    expect(f.sent(a.ws)).toEqual([]);

    f.users.remove(a.conn);
    f.users.remove(b.conn);
    expect(f.users.socketsOf(f.app.id, asUserId('ann'))).toEqual([]);
    expect(f.users.sizes()).toEqual({ users: 0, signedIn: 0, watched: 0, watchers: 0 });
  });

  it('sends no watchlist notices for an app with watchlist events off', async () => {
    const f = fakes();
    const { conn, ws } = await f.connect();
    conn.startWatching([asUserId('bob')]);
    conn.releaseWatchlistNotices();
    f.users.watch(conn, conn.watchlist);
    f.users.notifyWatchers(f.app.id, asUserId('bob'), true);
    expect(f.sent(ws)).toEqual([]);
  });
});
