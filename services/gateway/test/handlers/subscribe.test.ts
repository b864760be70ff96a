import { describe, expect, it } from 'vitest';
import { DependencyUnavailable, asChannelName, asUserId, encodeEvent, signChannel, type Presence } from '@sockudo-ts/shared';
import { handleSubscribe } from '../../src/handlers/subscribe.js';
import { fakes, frame, type Fakes } from '../fakes.js';

const subscribe = (data: Record<string, unknown>) => frame('pusher:subscribe', data);

/** signed returns subscribe data for a private or presence channel, signed with the test app's secret. */
function signed(f: Fakes, socketId: string, channel: string, channelData?: unknown): Record<string, unknown> {
  const cd = channelData === undefined ? undefined : JSON.stringify(channelData);
  const data: Record<string, unknown> = { channel, auth: signChannel(f.app.key, f.app.secret, socketId, channel, cd) };
  if (cd !== undefined) data.channel_data = cd;
  return data;
}

/** broadcast publishes an app event to a channel through the same pipeline as the HTTP API. */
const broadcast = (f: Fakes, channel: string, name = 'ev') => f.publisher.publish(f.app.id, { channel: asChannelName(channel), name, data: 'x' });

describe('handleSubscribe', () => {
  it('subscribes to a public channel: succeeded, live for broadcasts, counted in presence', async () => {
    const f = fakes();
    const { conn, ws } = await f.connect();
    await handleSubscribe(f.ctx, conn, subscribe({ channel: 'news' }));
    await broadcast(f, 'news');
    expect(f.sent(ws)).toEqual([
      { event: 'pusher_internal:subscription_succeeded', channel: 'news', data: {} },
      { event: 'ev', channel: 'news', data: 'x' },
    ]);
    expect(conn.subscription(asChannelName('news'))).toEqual({ active: true });
    expect((await f.presence.counts(f.app.id, asChannelName('news'))).subscriptionCount).toBe(1);
    expect(conn.isAuthorized).toBe(false);
    expect(f.webhooks.names()).toEqual(['channel_occupied']);
  });

  it('answers a repeated subscribe again without joining twice', async () => {
    const f = fakes();
    const { conn, ws } = await f.connect();
    await handleSubscribe(f.ctx, conn, subscribe({ channel: 'news' }));
    await handleSubscribe(f.ctx, conn, subscribe({ channel: 'news' }));
    expect(f.sent(ws).map((s) => s.event)).toEqual(['pusher_internal:subscription_succeeded', 'pusher_internal:subscription_succeeded']);
    expect(f.channels.sizes()).toEqual({ apps: 1, channels: 1, sockets: 1, pending: 0 });
  });

  it('refuses a bad channel name with 4300 on that channel', async () => {
    const f = fakes();
    const { conn, ws } = await f.connect();
    await handleSubscribe(f.ctx, conn, subscribe({ channel: 'bad name!' }));
    await handleSubscribe(f.ctx, conn, subscribe({}));
    const [bad, missing] = f.sent(ws);
    expect(bad).toMatchObject({ event: 'pusher:error', channel: 'bad name!', data: { code: 4300 } });
    expect(missing).toMatchObject({ event: 'pusher:error', data: { code: 4300, message: 'channel name must be a non-empty string' } });
    expect(f.channels.sizes().channels).toBe(0);
  });

  it('refuses a private channel with a wrong signature (AuthError 401) and authorizes a right one', async () => {
    const f = fakes();
    const { conn, ws } = await f.connect();
    await handleSubscribe(f.ctx, conn, subscribe({ channel: 'private-a', auth: `${f.app.key}:00` }));
    expect(conn.isAuthorized).toBe(false);
    await handleSubscribe(f.ctx, conn, subscribe(signed(f, conn.id, 'private-a')));
    const [refused, ok] = f.sent(ws);
    expect(refused).toMatchObject({ event: 'pusher:subscription_error', channel: 'private-a', data: { type: 'AuthError', status: 401 } });
    expect(ok).toEqual({ event: 'pusher_internal:subscription_succeeded', channel: 'private-a', data: {} });
    expect(conn.isAuthorized).toBe(true);
  });

  it('joins a presence channel with its member list and announces the member to the others only', async () => {
    const f = fakes();
    const ann = await f.connect();
    const bob = await f.connect();
    await handleSubscribe(f.ctx, ann.conn, subscribe(signed(f, ann.conn.id, 'presence-room', { user_id: 'ann', user_info: { n: 1 } })));
    await handleSubscribe(f.ctx, bob.conn, subscribe(signed(f, bob.conn.id, 'presence-room', { user_id: 7 })));
    expect(f.sent(bob.ws)).toEqual([
      {
        event: 'pusher_internal:subscription_succeeded',
        channel: 'presence-room',
        data: { presence: { ids: ['ann', '7'], hash: { ann: { n: 1 }, 7: null }, count: 2 } },
      },
    ]);
    expect(f.sent(ann.ws).map((s) => s.event)).toEqual(['pusher_internal:subscription_succeeded', 'pusher_internal:member_added']);
    expect(ann.conn.subscription(asChannelName('presence-room'))).toEqual({ active: true, member: { id: 'ann', info: { n: 1 } } });
  });

  it('uses the signed-in user as the member when a presence subscribe has no channel_data', async () => {
    const f = fakes();
    const { conn, ws } = await f.connect();
    await handleSubscribe(f.ctx, conn, subscribe(signed(f, conn.id, 'presence-room')));
    conn.signIn(asUserId('ann'), JSON.stringify({ id: 'ann', user_info: { n: 2 } }));
    await handleSubscribe(f.ctx, conn, subscribe(signed(f, conn.id, 'presence-room')));
    const [refused, ok] = f.sent(ws);
    expect(refused).toMatchObject({ event: 'pusher:error', data: { code: 4300, message: 'Presence channels need channel_data or a signed-in socket' } });
    expect(ok!.data).toEqual({ presence: { ids: ['ann'], hash: { ann: { n: 2 } }, count: 1 } });
  });

  it('refuses bad presence channel_data with 4300 and leaves no state', async () => {
    const f = fakes({ max_presence_user_id_length: 3 });
    const { conn, ws } = await f.connect();
    await handleSubscribe(f.ctx, conn, subscribe(signed(f, conn.id, 'presence-a', { user_id: '' })));
    await handleSubscribe(f.ctx, conn, subscribe(signed(f, conn.id, 'presence-a', { user_id: 'long-id' })));
    const messages = f.sent(ws).map((s) => s.data.message);
    expect(messages).toEqual(['channel_data.user_id must be a non-empty string or number', 'user_id is longer than 3 characters']);
    expect(conn.subscription(asChannelName('presence-a'))).toBeUndefined();
    expect(f.channels.sizes().channels).toBe(0);
  });

  it('refuses a full presence channel with 4300 and undoes the local join', async () => {
    const f = fakes({ max_presence_members_per_channel: 1 });
    const ann = await f.connect();
    const bob = await f.connect();
    await handleSubscribe(f.ctx, ann.conn, subscribe(signed(f, ann.conn.id, 'presence-a', { user_id: 'ann' })));
    await handleSubscribe(f.ctx, bob.conn, subscribe(signed(f, bob.conn.id, 'presence-a', { user_id: 'bob' })));
    expect(f.sent(bob.ws)).toEqual([{ event: 'pusher:error', channel: 'presence-a', data: { code: 4300, message: 'Presence channel is full (1 members)' } }]);
    expect(bob.conn.subscription(asChannelName('presence-a'))).toBeUndefined();
    expect(f.channels.sizes()).toEqual({ apps: 1, channels: 1, sockets: 1, pending: 0 });
  });

  it('lets only the socket signed in as the user subscribe to its server-to-user channel', async () => {
    const f = fakes();
    const { conn, ws } = await f.connect();
    await handleSubscribe(f.ctx, conn, subscribe({ channel: '#server-to-user-ann' }));
    conn.signIn(asUserId('ann'), '{"id":"ann"}');
    await handleSubscribe(f.ctx, conn, subscribe({ channel: '#server-to-user-ann' }));
    expect(f.sent(ws).map((s) => s.event)).toEqual(['pusher:subscription_error', 'pusher_internal:subscription_succeeded']);
  });

  it('sends a cache channel miss (and its webhook once), then replays the last event to later subscribers', async () => {
    const f = fakes();
    const a = await f.connect();
    const b = await f.connect();
    const c = await f.connect();
    await handleSubscribe(f.ctx, a.conn, subscribe({ channel: 'cache-a' }));
    await handleSubscribe(f.ctx, b.conn, subscribe({ channel: 'cache-a' }));
    expect(f.sent(b.ws).map((s) => s.event)).toEqual(['pusher_internal:subscription_succeeded', 'pusher:cache_miss']);
    expect(f.webhooks.names().filter((n) => n === 'cache_miss')).toHaveLength(1);
    await broadcast(f, 'cache-a', 'last');
    await handleSubscribe(f.ctx, c.conn, subscribe({ channel: 'cache-a' }));
    expect(f.sent(c.ws)).toEqual([
      { event: 'pusher_internal:subscription_succeeded', channel: 'cache-a', data: {} },
      { event: 'last', channel: 'cache-a', data: 'x' },
    ]);
  });

  it('delivers what was published while the subscription was pending, after succeeded and in order', async () => {
    const f = fakes();
    const { conn, ws } = await f.connect();
    const slow: Presence = Object.create(f.presence) as Presence;
    slow.subscribe = async (...args) => {
      const result = await f.presence.subscribe(...args);
      await broadcast(f, 'news', 'meanwhile');
      return result;
    };
    await handleSubscribe({ ...f.ctx, presence: slow }, conn, subscribe({ channel: 'news' }));
    expect(f.sent(ws).map((s) => s.event)).toEqual(['pusher_internal:subscription_succeeded', 'meanwhile']);
  });

  it('answers a dependency outage with a 503 subscription_error and leaves no state behind', async () => {
    const f = fakes();
    const { conn, ws } = await f.connect();
    const down: Presence = Object.create(f.presence) as Presence;
    down.subscribe = async () => {
      throw new DependencyUnavailable('presence', 'down');
    };
    await handleSubscribe({ ...f.ctx, presence: down }, conn, subscribe({ channel: 'news' }));
    expect(f.sent(ws)).toEqual([
      {
        event: 'pusher:subscription_error',
        channel: 'news',
        data: { type: 'UnavailableError', error: 'Subscription failed: presence is unavailable, retry later', status: 503 },
      },
    ]);
    expect(conn.subscription(asChannelName('news'))).toBeUndefined();
    expect(f.channels.sizes().channels).toBe(0);
    expect(f.bus.subscriptionCount()).toBe(0);
  });

  it('undoes the join and rethrows an unexpected failure (the gateway answers it)', async () => {
    const f = fakes();
    const { conn } = await f.connect();
    const broken: Presence = Object.create(f.presence) as Presence;
    broken.subscribe = async () => {
      throw new Error('bug');
    };
    await expect(handleSubscribe({ ...f.ctx, presence: broken }, conn, subscribe({ channel: 'news' }))).rejects.toThrow('bug');
    expect(conn.subscription(asChannelName('news'))).toBeUndefined();
    expect(f.channels.sizes().channels).toBe(0);
  });

  it('keeps a cache channel subscriber live when reading the cache fails', async () => {
    const f = fakes();
    const { conn, ws } = await f.connect();
    const failing = {
      publish: f.publisher.publish.bind(f.publisher),
      lastEvent: async () => {
        throw new DependencyUnavailable('redis', 'down');
      },
    };
    await expect(handleSubscribe({ ...f.ctx, publisher: failing }, conn, subscribe({ channel: 'cache-b' }))).rejects.toThrow(DependencyUnavailable);
    await f.bus.publish(f.app.id, asChannelName('cache-b'), { frame: encodeEvent('later', 'cache-b', 'x') });
    expect(f.sent(ws).map((s) => s.event)).toEqual(['pusher_internal:subscription_succeeded', 'later']);
    expect(f.channels.sizes()).toEqual({ apps: 1, channels: 1, sockets: 1, pending: 0 });
  });
});
