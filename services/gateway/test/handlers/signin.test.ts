import { describe, expect, it } from 'vitest';
import { asUserId, signUser } from '@sockudo-ts/shared';
import { handleSignin } from '../../src/handlers/signin.js';
import { fakes, frame, type Fakes } from '../fakes.js';
import type { Connection } from '../../src/connection.js';

/** signin builds a signed pusher:signin frame for a socket with this user_data. */
function signin(f: Fakes, conn: Connection, user: Record<string, unknown>) {
  const userData = JSON.stringify(user);
  return frame('pusher:signin', { user_data: userData, auth: signUser(f.app.key, f.app.secret, conn.id, userData) });
}

describe('handleSignin', () => {
  it('signs the socket in: signin_success with the exact user_data, online cluster-wide, authorized', async () => {
    const f = fakes({ enable_user_authentication: true });
    const { conn, ws } = await f.connect();
    await handleSignin(f.ctx, conn, signin(f, conn, { id: 'ann', user_info: { n: 1 } }));
    expect(f.sent(ws)).toEqual([{ event: 'pusher:signin_success', data: { user_data: '{"id":"ann","user_info":{"n":1}}' } }]);
    expect(conn.userId).toBe('ann');
    expect(conn.isAuthorized).toBe(true);
    expect(await f.presence.onlineUsers(f.app.id, [asUserId('ann')])).toEqual(['ann']);
    expect(f.users.sizes()).toEqual({ users: 1, signedIn: 1, watched: 0, watchers: 0 });
  });

  it('closes with 4009 when the app has no user authentication or the signature or user_data is bad', async () => {
    const disabled = fakes();
    const a = await disabled.connect();
    await handleSignin(disabled.ctx, a.conn, signin(disabled, a.conn, { id: 'ann' }));
    expect(a.ws.closedWith).toEqual({ code: 4009, reason: 'User authentication is not enabled for this app' });

    const f = fakes({ enable_user_authentication: true });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ user_data: '{"id":"ann"}', auth: `${f.app.key}:00` }, 'Invalid signin signature'],
      [{ user_data: 'not json', auth: '' }, 'user_data must be JSON'],
      [{ user_data: '{"id":""}', auth: '' }, 'user_data.id must be a non-empty string'],
    ];
    for (const [data, reason] of cases) {
      const { conn, ws } = await f.connect();
      if (data.auth === '') data.auth = signUser(f.app.key, f.app.secret, conn.id, data.user_data as string);
      await handleSignin(f.ctx, conn, frame('pusher:signin', data));
      expect(ws.closedWith).toEqual({ code: 4009, reason });
      expect(f.sent(ws)).toEqual([{ event: 'pusher:error', data: { code: 4009, message: reason } }]);
      expect(conn.userId).toBeUndefined();
    }
    expect(f.users.sizes().users).toBe(0);
  });

  it('refuses a second user on a signed-in socket without closing it', async () => {
    const f = fakes({ enable_user_authentication: true });
    const { conn, ws } = await f.connect();
    await handleSignin(f.ctx, conn, signin(f, conn, { id: 'ann' }));
    await handleSignin(f.ctx, conn, signin(f, conn, { id: 'bob' }));
    expect(f.sent(ws).map((s) => s.event)).toEqual(['pusher:signin_success', 'pusher:error']);
    expect(ws.closedWith).toBeUndefined();
    expect(conn.userId).toBe('ann');
  });

  it('sends the watchlist state first, then notices that arrived while it was being read', async () => {
    const f = fakes({ enable_user_authentication: true, enable_watchlist_events: true });
    const bob = await f.connect();
    await handleSignin(f.ctx, bob.conn, signin(f, bob.conn, { id: 'bob' }));
    const { conn, ws } = await f.connect();
    const readOnline = f.presence.onlineUsers.bind(f.presence);
    const presence = Object.create(f.presence) as typeof f.presence;
    presence.onlineUsers = async (app, ids) => {
      const online = await readOnline(app, ids);
      f.users.notifyWatchers(f.app.id, asUserId('cid'), true);
      return online;
    };
    await handleSignin({ ...f.ctx, presence }, conn, signin(f, conn, { id: 'ann', watchlist: ['bob', 'cid', 'bob', '', 5] }));
    expect(f.sent(ws).map((s) => [s.event, s.data?.events])).toEqual([
      ['pusher:signin_success', undefined],
      ['pusher_internal:watchlist_events', [{ name: 'online', user_ids: ['bob'] }, { name: 'offline', user_ids: ['cid'] }]],
      ['pusher_internal:watchlist_events', [{ name: 'online', user_ids: ['cid'] }]],
    ]);
    expect(conn.watchlist).toEqual(['bob', 'cid']);
    f.users.notifyWatchers(f.app.id, asUserId('bob'), false);
    expect(f.sent(ws).at(-1)!.data).toEqual({ events: [{ name: 'offline', user_ids: ['bob'] }] });
  });

  it('keeps the first 100 watchlist ids and says so with 4302', async () => {
    const f = fakes({ enable_user_authentication: true, enable_watchlist_events: true });
    const { conn, ws } = await f.connect();
    const ids = Array.from({ length: 120 }, (_, i) => `u${i}`);
    await handleSignin(f.ctx, conn, signin(f, conn, { id: 'ann', watchlist: ids }));
    const [success, limit, state] = f.sent(ws);
    expect(success!.event).toBe('pusher:signin_success');
    expect(limit).toMatchObject({ event: 'pusher:error', data: { code: 4302 } });
    expect(state!.data.events[0].user_ids).toHaveLength(100);
    expect(conn.watchlist).toEqual(ids.slice(0, 100));
  });

  it('keeps no watchlist when the app has watchlist events off', async () => {
    const f = fakes({ enable_user_authentication: true });
    const { conn, ws } = await f.connect();
    await handleSignin(f.ctx, conn, signin(f, conn, { id: 'ann', watchlist: ['bob'] }));
    expect(f.sent(ws).map((s) => s.event)).toEqual(['pusher:signin_success']);
    expect(conn.watchlist).toEqual([]);
    expect(f.users.sizes().watched).toBe(0);
  });
});
