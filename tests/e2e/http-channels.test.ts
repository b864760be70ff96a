import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, connected, nextEvent, pusherClient, rawClient, startServer, subscribed, waitFor, type PusherClient, type TestServer } from '../kit/index.js';
import { signedRequest } from '../kit/http.js';

// GET /channels, GET /channels/{ch} and GET /channels/{ch}/users (PROTOCOL.md §8), through the pusher SDK.
describe('HTTP API: channel queries', () => {
  let server: TestServer;
  const clients: PusherClient[] = [];
  const client = (userId?: string): PusherClient => {
    const c = pusherClient(server, { channelData: () => (userId === undefined ? undefined : { user_id: userId, user_info: { name: userId } }) });
    clients.push(c);
    return c;
  };
  const get = async (path: string, params?: Record<string, string>): Promise<unknown> => {
    const res = await apiClient(server).get({ path, ...(params ? { params } : {}) });
    expect(res.status).toBe(200);
    return res.json();
  };
  /** getError returns the status and body of an SDK GET that the server refused. */
  const getError = async (path: string, params?: Record<string, string>): Promise<{ status: number; body: unknown }> => {
    try {
      await apiClient(server).get({ path, ...(params ? { params } : {}) });
    } catch (err) {
      const e = err as { status: number; body: string };
      return { status: e.status, body: JSON.parse(e.body) as unknown };
    }
    throw new Error(`GET ${path} succeeded`);
  };

  let anna: PusherClient;
  let ben: PusherClient;
  let benTwo: PusherClient;
  let plain: PusherClient;

  beforeAll(async () => {
    server = await startServer();
    anna = client('anna');
    ben = client('ben');
    benTwo = client('ben');
    plain = client();
    await Promise.all([
      subscribed(anna, 'presence-room'),
      subscribed(ben, 'presence-room'),
      subscribed(benTwo, 'presence-room'),
      subscribed(anna, 'private-notes'),
      subscribed(plain, 'news'),
      subscribed(anna, 'news'),
      subscribed(plain, 'cache-prices'),
    ]);
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await server.stop();
  });

  describe('GET /channels', () => {
    it('lists a channel named __proto__ like any other', async () => {
      // why: pusher-js keeps channels in a plain object and cannot subscribe to __proto__; a raw socket can.
      const odd = await rawClient(server);
      odd.send({ event: 'pusher:subscribe', data: { channel: '__proto__' } });
      await odd.event('pusher_internal:subscription_succeeded', '__proto__');
      const body = (await get('/channels', { filter_by_prefix: '__', info: 'subscription_count' })) as { channels: Record<string, unknown> };
      expect(Object.keys(body.channels)).toEqual(['__proto__']);
      expect(JSON.stringify(body)).toBe('{"channels":{"__proto__":{"subscription_count":1}}}');
      odd.close();
      await waitFor(async () => Object.keys(((await get('/channels', { filter_by_prefix: '__' })) as { channels: object }).channels).length === 0);
    });

    it('lists occupied channels only, with {} per channel when no info is asked', async () => {
      expect(await get('/channels')).toEqual({
        channels: { 'presence-room': {}, 'private-notes': {}, news: {}, 'cache-prices': {} },
      });
    });

    it('filters by prefix', async () => {
      expect(await get('/channels', { filter_by_prefix: 'presence-' })).toEqual({ channels: { 'presence-room': {} } });
      expect(await get('/channels', { filter_by_prefix: 'nothing-' })).toEqual({ channels: {} });
    });

    it('returns subscription_count per channel when asked', async () => {
      expect(await get('/channels', { info: 'subscription_count' })).toEqual({
        channels: {
          'presence-room': { subscription_count: 3 },
          'private-notes': { subscription_count: 1 },
          news: { subscription_count: 2 },
          'cache-prices': { subscription_count: 1 },
        },
      });
    });

    it('returns user_count (users, not sockets) for presence channels with the presence- prefix', async () => {
      expect(await get('/channels', { filter_by_prefix: 'presence-', info: 'user_count,subscription_count' })).toEqual({
        channels: { 'presence-room': { user_count: 2, subscription_count: 3 } },
      });
    });

    it('answers 400 for info=user_count without the presence- prefix, naming the attribute', async () => {
      for (const params of [{ info: 'user_count' }, { info: 'user_count', filter_by_prefix: 'private-' }] as Array<Record<string, string>>) {
        const res = await getError('/channels', params);
        expect(res.status).toBe(400);
        expect(res.body).toEqual({ error: expect.stringMatching(/user_count/) });
      }
    });

    it('drops a channel once its last subscriber leaves', async () => {
      const c = client();
      await subscribed(c, 'short-lived');
      expect(await get('/channels', { filter_by_prefix: 'short-' })).toEqual({ channels: { 'short-lived': {} } });
      c.unsubscribe('short-lived');
      await waitFor(async () => JSON.stringify(await get('/channels', { filter_by_prefix: 'short-' })) === '{"channels":{}}', 5000, 'channel to vacate');
    });
  });

  describe('GET /channels/{channel}', () => {
    it('says whether a channel is occupied', async () => {
      expect(await get('/channels/news')).toEqual({ occupied: true });
      expect(await get('/channels/empty-channel')).toEqual({ occupied: false });
    });

    it('returns subscription_count and, on presence channels, user_count', async () => {
      expect(await get('/channels/news', { info: 'subscription_count' })).toEqual({ occupied: true, subscription_count: 2 });
      expect(await get('/channels/presence-room', { info: 'user_count,subscription_count' })).toEqual({
        occupied: true,
        user_count: 2,
        subscription_count: 3,
      });
      expect(await get('/channels/presence-nobody', { info: 'user_count' })).toEqual({ occupied: false, user_count: 0 });
    });

    it('answers 400 for user_count on a non-presence channel and cache on a non-cache channel', async () => {
      const userCount = await getError('/channels/news', { info: 'user_count' });
      expect(userCount.status).toBe(400);
      expect(userCount.body).toEqual({ error: expect.stringMatching(/user_count/) });
      const cache = await getError('/channels/news', { info: 'cache' });
      expect(cache.status).toBe(400);
      expect(cache.body).toEqual({ error: expect.stringMatching(/cache/) });
    });

    it('returns the cached event and its TTL for cache channels', async () => {
      expect(await get('/channels/cache-prices', { info: 'cache' })).toEqual({ occupied: true });
      await apiClient(server).trigger('cache-prices', 'price', { eur: 10 });
      const got = (await get('/channels/cache-prices', { info: 'cache' })) as { occupied: boolean; cache: { data: string; ttl: number } };
      expect(got.occupied).toBe(true);
      expect(JSON.parse(got.cache.data)).toEqual({ eur: 10 });
      expect(got.cache.ttl).toBeGreaterThan(1700);
      expect(got.cache.ttl).toBeLessThanOrEqual(1800);
    });

    it('handles every character a channel name may hold (_ - = @ , . ;) in the path', async () => {
      const name = 'odd_name-=@,.;x';
      const c = client();
      const channel = await subscribed(c, name);
      expect(await get(`/channels/${name}`, { info: 'subscription_count' })).toEqual({ occupied: true, subscription_count: 1 });
      expect(((await get('/channels', { filter_by_prefix: 'odd_' })) as { channels: object }).channels).toEqual({ [name]: {} });
      const got = nextEvent(channel, 'e');
      await apiClient(server).trigger(name, 'e', 'odd');
      expect(await got).toBe('odd');
    });

    it('answers 400 for a bad channel name', async () => {
      const res = await signedRequest(server, { path: `/channels/${encodeURIComponent('bad name!')}` });
      expect(res.status).toBe(400);
      expect(res.json).toEqual({ error: expect.stringMatching(/channel/) });
    });
  });

  describe('GET /channels/{channel}/users', () => {
    it('lists each user of a presence channel once', async () => {
      const body = (await get('/channels/presence-room/users')) as { users: Array<{ id: string }> };
      expect(body.users.map((u) => u.id).sort()).toEqual(['anna', 'ben']);
      expect(body.users.every((u) => Object.keys(u).join() === 'id')).toBe(true);
    });

    it('lists no users for an empty presence channel', async () => {
      expect(await get('/channels/presence-empty/users')).toEqual({ users: [] });
    });

    it('stringifies numeric user ids', async () => {
      const c = pusherClient(server, { channelData: () => ({ user_id: 42 }) });
      clients.push(c);
      await subscribed(c, 'presence-numeric');
      expect(await get('/channels/presence-numeric/users')).toEqual({ users: [{ id: '42' }] });
    });

    it('answers 400 for a non-presence channel', async () => {
      const res = await getError('/channels/news/users');
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: expect.stringMatching(/presence/) });
    });

    it('drops a user when their last socket disconnects', async () => {
      const c = client('zoe');
      await connected(c);
      await subscribed(c, 'presence-leaving');
      expect(await get('/channels/presence-leaving/users')).toEqual({ users: [{ id: 'zoe' }] });
      c.disconnect();
      await waitFor(async () => JSON.stringify(await get('/channels/presence-leaving/users')) === '{"users":[]}', 5000, 'zoe to leave');
    });
  });
});
