import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiClient,
  connected,
  nextEvent,
  pusherClient,
  rawClient,
  rawSubscribe,
  startServer,
  type PusherClient,
  type RawClient,
  type TestServer,
} from '../kit/index.js';

describe('cache channels: cache_miss on empty, last event replayed after subscription_succeeded', () => {
  let server: TestServer;
  const clients: PusherClient[] = [];
  const raws: RawClient[] = [];
  const raw = async (): Promise<{ c: RawClient; id: string }> => {
    const c = await rawClient(server);
    raws.push(c);
    return { c, id: await c.socketId() };
  };
  /** subscribeFresh subscribes a new raw socket and resolves once the frame after subscription_succeeded arrived. */
  const subscribeFresh = async (channel: string, channelData?: { user_id: string }): Promise<RawClient> => {
    const s = await raw();
    rawSubscribe(server, s.c, s.id, channel, channelData);
    await s.c.event('pusher_internal:subscription_succeeded', channel);
    await s.c.waitFrame((f) => f.channel === channel && f.event !== 'pusher_internal:subscription_succeeded' && f.event !== 'pusher_internal:subscription_count');
    return s.c;
  };
  const afterSucceeded = (c: RawClient, channel: string) => {
    const frames = c.frames.filter((f) => f.channel === channel);
    const i = frames.findIndex((f) => f.event === 'pusher_internal:subscription_succeeded');
    expect(i).toBeGreaterThanOrEqual(0);
    return frames.slice(i + 1);
  };
  beforeAll(async () => {
    server = await startServer({ app: { enable_client_messages: true } });
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    for (const r of raws) r.close();
    await server.stop();
  });

  for (const prefix of ['cache-', 'private-cache-', 'presence-cache-', 'private-encrypted-cache-']) {
    it(`${prefix}: cache_miss when empty, then the last event after subscription_succeeded`, async () => {
      const channel = `${prefix}${randomBytes(4).toString('hex')}`;
      const data = prefix === 'presence-cache-' ? { user_id: 'u1' } : undefined;
      const first = await subscribeFresh(channel, data);
      const miss = afterSucceeded(first, channel)[0]!;
      expect(miss.event).toBe('pusher:cache_miss');
      expect(miss.data).toBeUndefined();

      // why: the SDK types body as a string but JSON-encodes whatever it is given.
      await apiClient(server).post({ path: '/events', body: { name: 'price', channels: [channel], data: '{"v":1}' } as never });
      await apiClient(server).post({ path: '/events', body: { name: 'price', channels: [channel], data: '{"v":2}' } as never });
      await first.waitFrame((f) => f.event === 'price' && f.data === '{"v":2}');

      const later = await subscribeFresh(channel, data ? { user_id: 'u2' } : undefined);
      const replay = afterSucceeded(later, channel).filter((f) => f.event !== 'pusher_internal:subscription_count' && f.event !== 'pusher_internal:member_added');
      expect(replay[0]).toEqual({ event: 'price', channel, data: '{"v":2}' });
      expect(replay.filter((f) => f.event === 'price')).toHaveLength(1);
      expect(later.frames.some((f) => f.event === 'pusher:cache_miss')).toBe(false);
    });
  }

  it('surfaces cache_miss and the replayed event to pusher-js', async () => {
    const channelName = `cache-js-${randomBytes(4).toString('hex')}`;
    const a = pusherClient(server);
    clients.push(a);
    await connected(a);
    const channel = a.subscribe(channelName);
    await nextEvent(channel, 'pusher:cache_miss');
    await apiClient(server).trigger(channelName, 'greeting', { hello: 'world' });

    const b = pusherClient(server);
    clients.push(b);
    await connected(b);
    const late = b.subscribe(channelName);
    expect(await nextEvent(late, 'greeting')).toEqual({ hello: 'world' });
  });

  it('caches client events on cache channels, with their user_id on presence-cache-', async () => {
    const channel = `presence-cache-chat-${randomBytes(4).toString('hex')}`;
    const sender = await subscribeFresh(channel, { user_id: 'talker' });
    sender.send({ event: 'client-said', channel, data: { text: 'hi' } });
    const later = await subscribeFresh(channel, { user_id: 'listener' });
    const replay = afterSucceeded(later, channel).find((f) => f.event === 'client-said');
    expect(replay).toEqual({ event: 'client-said', channel, data: '{"text":"hi"}', user_id: 'talker' });
  });

  it('does not replay anything to a socket whose subscription was refused', async () => {
    const channel = `private-cache-${randomBytes(4).toString('hex')}`;
    await apiClient(server).trigger(channel, 'secret', { s: 1 });
    const s = await raw();
    s.c.send({ event: 'pusher:subscribe', data: { channel, auth: `${server.app.key}:${'a'.repeat(64)}` } });
    await s.c.event('pusher:subscription_error', channel);
    s.c.send({ event: 'pusher:ping', data: {} });
    await s.c.event('pusher:pong');
    expect(s.c.frames.some((f) => f.event === 'secret')).toBe(false);
  });

  it('does not cache on ordinary channels', async () => {
    const channel = `plain-${randomBytes(4).toString('hex')}`;
    await apiClient(server).trigger(channel, 'x', {});
    const s = await raw();
    rawSubscribe(server, s.c, s.id, channel);
    await s.c.event('pusher_internal:subscription_succeeded', channel);
    s.c.send({ event: 'pusher:ping', data: {} });
    await s.c.event('pusher:pong');
    expect(s.c.frames.filter((f) => f.channel === channel).map((f) => f.event)).toEqual(['pusher_internal:subscription_succeeded']);
  });
});

describe('cache channels: the cached event expires after channel_limits.cache_ttl', () => {
  let server: TestServer;
  let raw: RawClient | undefined;
  beforeAll(async () => {
    server = await startServer({ config: { channel_limits: { cache_ttl: 1 } } });
  });
  afterAll(async () => {
    raw?.close();
    await server.stop();
  });

  it('answers cache_miss once the TTL has passed', async () => {
    await apiClient(server).trigger('cache-short', 'tick', {});
    // why: expiry is time-based; wait past the 1 s TTL (bounded), then check what a new subscriber gets.
    await new Promise((r) => setTimeout(r, 1300));
    raw = await rawClient(server);
    const id = await raw.socketId();
    rawSubscribe(server, raw, id, 'cache-short');
    await raw.event('pusher:cache_miss', 'cache-short');
    expect(raw.frames.some((f) => f.event === 'tick')).toBe(false);
  });
});
