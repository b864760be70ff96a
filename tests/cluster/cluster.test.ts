import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  NATS,
  REDIS,
  apiClient,
  connected,
  nextEvent,
  pusherClient,
  rawClient,
  servicesUp,
  startCluster,
  subscribed,
  waitFor,
  type PusherClient,
  type TestCluster,
} from '../kit/index.js';

const up = await servicesUp('cluster suite', NATS, REDIS);

/** members lists a presence channel's member ids as pusher-js sees them. */
function memberIds(channel: { members: { each(cb: (m: { id: string }) => void): void } }): string[] {
  const ids: string[] = [];
  channel.members.each((m) => ids.push(m.id));
  return ids.sort();
}

describe.skipIf(!up)('cluster: gateways, api and presence as separate processes', () => {
  let cluster: TestCluster;
  const clients: PusherClient[] = [];
  const client = (gateway: number, options: Parameters<typeof pusherClient>[1] = {}): PusherClient => {
    const c = pusherClient(cluster.gateway(gateway), options);
    clients.push(c);
    return c;
  };
  const api = () => apiClient(cluster.apiEndpoint);
  const get = async (path: string, params: Record<string, string> = {}): Promise<{ status: number; body: any }> => {
    const res = await api().get({ path, params });
    return { status: res.status, body: await res.json() };
  };

  beforeAll(async () => {
    cluster = await startCluster({ app: { max_connections: 5, enable_watchlist_events: true, enable_subscription_count_events: true } });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    // why: the app's max_connections is small; wait until every socket of this test has left, cluster-wide.
    await waitFor(async () => Object.keys((await get('/channels')).body.channels).length === 0, 5000, 'every channel vacated');
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('shows presence members across gateways and delivers an api event to both; counts are cluster-wide', async () => {
    const channel = 'presence-room.1';
    const ann = client(0, { channelData: () => ({ user_id: 'ann', user_info: { name: 'Ann' } }) });
    const bob = client(1, { channelData: () => ({ user_id: 'bob' }) });
    const annChannel = await subscribed(ann, channel);
    const added = nextEvent<{ id: string; info: unknown }>(annChannel, 'pusher:member_added');
    const bobChannel = await subscribed(bob, channel);
    expect(memberIds(bobChannel as never)).toEqual(['ann', 'bob']);
    expect((await added).id).toBe('bob');
    expect(memberIds(annChannel as never)).toEqual(['ann', 'bob']);

    const toAnn = nextEvent(annChannel, 'greet');
    const toBob = nextEvent(bobChannel, 'greet');
    await api().trigger(channel, 'greet', { hello: 'both' });
    expect(await toAnn).toEqual({ hello: 'both' });
    expect(await toBob).toEqual({ hello: 'both' });

    const info = await get(`/channels/${channel}`, { info: 'user_count,subscription_count' });
    expect(info.body).toEqual({ occupied: true, user_count: 2, subscription_count: 2 });
    expect((await get(`/channels/${channel}/users`)).body.users.map((u: { id: string }) => u.id).sort()).toEqual(['ann', 'bob']);
    expect((await get('/channels', { filter_by_prefix: 'presence-', info: 'user_count' })).body.channels[channel]).toEqual({ user_count: 2 });

    const removed = nextEvent<{ id: string }>(annChannel, 'pusher:member_removed');
    bob.unsubscribe(channel);
    expect((await removed).id).toBe('bob');
    await waitFor(async () => (await get(`/channels/${channel}`, { info: 'user_count' })).body.user_count === 1, 5000, 'user_count 1');
  });

  it('relays client events to the other gateway and never echoes them to the sender', async () => {
    const channel = 'private-chat.2';
    const a = client(0);
    const b = client(1);
    const aChannel = await subscribed(a, channel);
    const bChannel = await subscribed(b, channel);
    let echoed = false;
    aChannel.bind('client-typing', () => (echoed = true));
    const atB = nextEvent(bChannel, 'client-typing');
    aChannel.trigger('client-typing', { who: 'a' });
    expect(await atB).toEqual({ who: 'a' });
    const back = nextEvent(aChannel, 'client-typing');
    bChannel.trigger('client-typing', { who: 'b' });
    expect(await back).toEqual({ who: 'b' });
    expect(echoed).toBe(true);
    echoed = false;
    const sentinel = nextEvent(aChannel, 'done');
    aChannel.trigger('client-typing', { who: 'a-again' });
    await api().trigger(channel, 'done', {});
    await sentinel;
    expect(echoed).toBe(false);
  });

  it('excludes the socket_id given to the api on every gateway', async () => {
    const channel = 'news.3';
    const a = client(0);
    const b = client(1);
    const aId = await connected(a);
    const aChannel = await subscribed(a, channel);
    const bChannel = await subscribed(b, channel);
    let aGot = false;
    aChannel.bind('update', () => (aGot = true));
    const atB = nextEvent(bChannel, 'update');
    await api().trigger(channel, 'update', { n: 1 }, { socket_id: aId });
    await atB;
    const sentinel = nextEvent(aChannel, 'after');
    await api().trigger(channel, 'after', {});
    await sentinel;
    expect(aGot).toBe(false);
  });

  it('sends to a user and terminates its connections on every gateway', async () => {
    const c1 = client(0, { userData: { id: 'carol' } });
    const c2 = client(1, { userData: { id: 'carol' } });
    for (const c of [c1, c2]) {
      await connected(c);
      c.signin();
    }
    await waitFor(() => [c1, c2].every((c) => c.user.serverToUserChannel?.subscribed === true), 10_000, 'server-to-user subscriptions');
    const got = [nextEvent(c1.user, 'note'), nextEvent(c2.user, 'note')];
    await api().sendToUser('carol', 'note', { to: 'carol' });
    expect(await Promise.all(got)).toEqual([{ to: 'carol' }, { to: 'carol' }]);

    const closed = [c1, c2].map((c) => new Promise<number>((resolve) => c.connection.bind('error', (e: { data?: { code?: number } }) => resolve(e.data?.code ?? 0))));
    await api().terminateUserConnections('carol');
    expect(await Promise.all(closed)).toEqual([4009, 4009]);
  });

  it('tells a watcher on one gateway when a user signs in and out on another', async () => {
    const watcher = client(0, { userData: { id: 'erin', watchlist: ['frank'] } });
    await connected(watcher);
    const initial = nextEvent<{ name: string; user_ids: string[] }>(watcher.user.watchlist as never, 'offline');
    watcher.signin();
    expect((await initial).user_ids).toEqual(['frank']);
    const frank = client(1, { userData: { id: 'frank' } });
    await connected(frank);
    const online = nextEvent<{ name: string; user_ids: string[] }>(watcher.user.watchlist as never, 'online');
    frank.signin();
    expect((await online).user_ids).toEqual(['frank']);
    const offline = nextEvent<{ name: string; user_ids: string[] }>(watcher.user.watchlist as never, 'offline');
    frank.disconnect();
    expect((await offline).user_ids).toEqual(['frank']);
  });

  it('answers info on /events and keeps cache channels cluster-wide', async () => {
    const a = client(0);
    const b = client(1);
    await subscribed(a, 'stats.9');
    await subscribed(b, 'stats.9');
    const res = await api().trigger('stats.9', 'tick', {}, { info: 'subscription_count' });
    expect(await res.json()).toEqual({ channels: { 'stats.9': { subscription_count: 2 } } });

    await api().trigger('cache-scores', 'score', { goals: 3 });
    const late = client(1);
    const cached = late.subscribe('cache-scores');
    expect(await nextEvent(cached, 'score')).toEqual({ goals: 3 });
  });

  it('counts subscriptions cluster-wide in subscription_count events', async () => {
    const a = client(0);
    const b = client(1);
    const aChannel = await subscribed(a, 'counted.7');
    const seen: number[] = [];
    aChannel.bind('pusher:subscription_count', (d: { subscription_count: number }) => seen.push(d.subscription_count));
    await subscribed(b, 'counted.7');
    await waitFor(() => seen.includes(2), 5000, 'a count of 2 on gateway 1');
    b.unsubscribe('counted.7');
    await waitFor(() => seen.at(-1) === 1, 5000, 'the count back to 1');
  });

  it('enforces the app max_connections cluster-wide (4004 across gateways)', async () => {
    const open = [];
    for (let i = 0; i < 5; i++) {
      const raw = await rawClient(cluster.gateway(i % 2));
      await raw.socketId();
      open.push(raw);
    }
    const refused = await rawClient(cluster.gateway(1));
    const error = await refused.event('pusher:error');
    expect(JSON.parse(error.data!)).toMatchObject({ code: 4004 });
    expect((await refused.closed).code).toBe(4004);
    open.pop()!.close();
    await waitFor(async () => {
      const again = await rawClient(cluster.gateway(0));
      const first = await again.waitFrame(() => true);
      again.close();
      return first.event === 'pusher:connection_established';
    }, 5000, 'a slot freed cluster-wide');
    for (const raw of open) raw.close();
  });
});
