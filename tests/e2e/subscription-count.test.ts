import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiClient,
  collect,
  connected,
  parseData,
  pusherClient,
  rawClient,
  rawSubscribe,
  startServer,
  waitFor,
  type PusherClient,
  type RawClient,
  type TestServer,
} from '../kit/index.js';

const counts = (c: RawClient, channel: string): number[] =>
  c.frames
    .filter((f) => f.event === 'pusher_internal:subscription_count' && f.channel === channel)
    .map((f) => parseData<{ subscription_count: number }>(f).subscription_count);

describe('subscription_count events (enable_subscription_count_events)', () => {
  let server: TestServer;
  const clients: PusherClient[] = [];
  const raws: RawClient[] = [];
  const raw = async (channel: string, channelData?: { user_id: string }): Promise<RawClient> => {
    const c = await rawClient(server);
    raws.push(c);
    const id = await c.socketId();
    rawSubscribe(server, c, id, channel, channelData);
    await c.event('pusher_internal:subscription_succeeded', channel);
    return c;
  };
  beforeAll(async () => {
    server = await startServer({ app: { enable_subscription_count_events: true }, config: { subscription_count: { throttle_ms: 500 } } });
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    for (const r of raws) r.close();
    await server.stop();
  });

  it('emits pusher:subscription_count on pusher-js channels on every join and leave', async () => {
    const a = pusherClient(server);
    const b = pusherClient(server);
    clients.push(a, b);
    await Promise.all([connected(a), connected(b)]);
    const chA = a.subscribe('private-counted');
    const seenA = collect<{ subscription_count: number }>(chA, 'pusher:subscription_count');
    await waitFor(() => seenA.length === 1, 5000, 'first count');
    expect(seenA[0]!.data).toEqual({ subscription_count: 1 });
    // why: bind before subscribing; the count may arrive in the same read as subscription_succeeded.
    const chB = b.subscribe('private-counted');
    const seenB = collect<{ subscription_count: number }>(chB, 'pusher:subscription_count');
    await waitFor(() => seenA.length === 2 && seenB.length === 1, 5000, 'count 2');
    expect(seenA[1]!.data.subscription_count).toBe(2);
    expect(seenB[0]!.data.subscription_count).toBe(2);
    expect((chA as unknown as { subscriptionCount: number }).subscriptionCount).toBe(2);
    b.unsubscribe('private-counted');
    await waitFor(() => seenA.length === 3, 5000, 'count after leave');
    expect(seenA[2]!.data.subscription_count).toBe(1);
  });

  it('counts a disconnect as a leave', async () => {
    const a = await raw('counted-disconnect');
    const b = await raw('counted-disconnect');
    await a.waitFrame(() => counts(a, 'counted-disconnect').at(-1) === 2);
    b.close();
    await a.waitFrame(() => counts(a, 'counted-disconnect').at(-1) === 1);
    expect(counts(a, 'counted-disconnect')).toEqual([1, 2, 1]);
  });

  it('does not send subscription_count on presence channels', async () => {
    const a = await raw('presence-no-count', { user_id: 'p1' });
    await raw('presence-no-count', { user_id: 'p2' });
    await a.event('pusher_internal:member_added', 'presence-no-count');
    await apiClient(server).trigger('presence-no-count', 'marker', {});
    await a.event('marker', 'presence-no-count');
    expect(a.frames.some((f) => f.event === 'pusher_internal:subscription_count')).toBe(false);
  });

  it('throttles events above 100 subscribers and still delivers the final count', async () => {
    const channel = 'crowded';
    const first = await raw(channel);
    const others: RawClient[] = [];
    for (let i = 1; i < 115; i++) others.push(await raw(channel));
    await first.waitFrame(() => counts(first, channel).at(-1) === 115, 5000);
    const seen = counts(first, channel);
    // Every change up to 100 is reported; above that at most one event per 500 ms window.
    expect(seen.slice(0, 100)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(seen.length).toBeLessThan(115);
    for (const c of others) c.close();
    await first.waitFrame(() => counts(first, channel).at(-1) === 1, 5000);
  });
});

describe('subscription_count events are off unless the app enables them', () => {
  let server: TestServer;
  const raws: RawClient[] = [];
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    for (const r of raws) r.close();
    await server.stop();
  });

  it('sends no subscription_count frames', async () => {
    for (let i = 0; i < 2; i++) {
      const c = await rawClient(server);
      raws.push(c);
      rawSubscribe(server, c, await c.socketId(), 'quiet');
      await c.event('pusher_internal:subscription_succeeded', 'quiet');
    }
    await apiClient(server).trigger('quiet', 'marker', {});
    await raws[0]!.event('marker', 'quiet');
    expect(raws[0]!.frames.some((f) => f.event === 'pusher_internal:subscription_count')).toBe(false);
  });
});
