import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiClient,
  collect,
  connected,
  errorOf,
  nextEvent,
  parseData,
  pusherClient,
  rawClient,
  rawSubscribe,
  startServer,
  subscribed,
  type PusherClient,
  type RawClient,
  type TestServer,
  waitFor,
} from '../kit/index.js';

interface Member {
  id: string;
  info: unknown;
}
interface PresenceData {
  presence: { ids: string[]; hash: Record<string, unknown>; count: number };
}

describe('presence channels: members, per-user added/removed, limits', () => {
  let server: TestServer;
  const clients: PusherClient[] = [];
  const raws: RawClient[] = [];
  const as = (userId: string | number, info?: unknown): PusherClient => {
    const c = pusherClient(server, { channelData: () => ({ user_id: userId, ...(info === undefined ? {} : { user_info: info }) }) });
    clients.push(c);
    return c;
  };
  const raw = async (): Promise<{ c: RawClient; id: string }> => {
    const c = await rawClient(server);
    raws.push(c);
    return { c, id: await c.socketId() };
  };
  /** marker publishes an event and waits until `c` sees it: everything sent before it has been delivered. */
  const marker = async (channel: string, c: RawClient): Promise<void> => {
    const name = `marker-${Math.random().toString(36).slice(2)}`;
    await apiClient(server).trigger(channel, name, {});
    await c.event(name, channel);
  };
  beforeAll(async () => {
    server = await startServer({ app: { max_presence_members_per_channel: 3, enable_user_authentication: true } });
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    for (const r of raws) r.close();
    await server.stop();
  });

  it('lists every member, the joiner included, in subscription_succeeded', async () => {
    const alice = as('alice', { name: 'Alice' });
    const bob = as('bob', { name: 'Bob' });
    await Promise.all([connected(alice), connected(bob)]);
    await subscribed(alice, 'presence-room1');
    const channel = bob.subscribe('presence-room1');
    const members = await nextEvent<{ count: number; me: Member; each(cb: (m: Member) => void): void }>(channel, 'pusher:subscription_succeeded');
    expect(members.count).toBe(2);
    expect(members.me).toEqual({ id: 'bob', info: { name: 'Bob' } });
    const seen: Member[] = [];
    members.each((m) => seen.push(m));
    expect(seen.sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      { id: 'alice', info: { name: 'Alice' } },
      { id: 'bob', info: { name: 'Bob' } },
    ]);
  });

  it('answers a bad presence signature with subscription_error {type: AuthError, status: 401}', async () => {
    const c = pusherClient(server, { channelData: () => ({ user_id: 'forger' }), wrongSecret: true });
    clients.push(c);
    await connected(c);
    const error = await nextEvent<{ type: string; status: number }>(c.subscribe('presence-guarded'), 'pusher:subscription_error');
    expect(error).toMatchObject({ type: 'AuthError', status: 401 });
    const res = await apiClient(server).get({ path: '/channels/presence-guarded/users' });
    expect(((await res.json()) as { users: unknown[] }).users).toEqual([]);
  });

  it('sends the exact presence payload {ids, hash, count} on the wire', async () => {
    const { c, id } = await raw();
    rawSubscribe(server, c, id, 'presence-wire', { user_id: 'w1', user_info: { n: 1 } });
    const ok = await c.event('pusher_internal:subscription_succeeded', 'presence-wire');
    expect(parseData<PresenceData>(ok)).toEqual({ presence: { ids: ['w1'], hash: { w1: { n: 1 } }, count: 1 } });
  });

  it('sends member_added to the others only, and only for a user first socket', async () => {
    const watcher = await raw();
    rawSubscribe(server, watcher.c, watcher.id, 'presence-room2', { user_id: 'watcher' });
    await watcher.c.event('pusher_internal:subscription_succeeded', 'presence-room2');

    const first = await raw();
    rawSubscribe(server, first.c, first.id, 'presence-room2', { user_id: 'carol', user_info: { tab: 1 } });
    await first.c.event('pusher_internal:subscription_succeeded', 'presence-room2');
    const added = await watcher.c.event('pusher_internal:member_added', 'presence-room2');
    expect(parseData(added)).toEqual({ user_id: 'carol', user_info: { tab: 1 } });

    const second = await raw();
    rawSubscribe(server, second.c, second.id, 'presence-room2', { user_id: 'carol', user_info: { tab: 2 } });
    const ok = await second.c.event('pusher_internal:subscription_succeeded', 'presence-room2');
    expect(parseData<PresenceData>(ok).presence.count).toBe(2);

    await marker('presence-room2', watcher.c);
    await marker('presence-room2', first.c);
    await marker('presence-room2', second.c);
    expect(watcher.c.frames.filter((f) => f.event === 'pusher_internal:member_added')).toHaveLength(1);
    // The joiner never hears about itself; carol's first tab does not hear about carol's second tab.
    for (const s of [first, second]) {
      expect(s.c.frames.filter((f) => f.event === 'pusher_internal:member_added')).toEqual([]);
    }
  });

  it('sends member_removed only when the user last socket leaves (unsubscribe or disconnect)', async () => {
    const alice = as('alice2');
    const dave1 = as('dave');
    const dave2 = as('dave');
    await Promise.all([connected(alice), connected(dave1), connected(dave2)]);
    const channel = await subscribed(alice, 'presence-room3');
    const added = collect<Member>(channel, 'pusher:member_added');
    const removed = collect<Member>(channel, 'pusher:member_removed');
    await subscribed(dave1, 'presence-room3');
    await subscribed(dave2, 'presence-room3');
    dave1.unsubscribe('presence-room3');
    // Marker: a third user joining proves the server processed everything before it.
    const eve = as('eve');
    await connected(eve);
    await subscribed(eve, 'presence-room3');
    await waitFor(() => added.length >= 2, 5000, 'member_added for eve');
    expect(added.map((a) => a.data.id)).toEqual(['dave', 'eve']);
    expect(removed).toEqual([]);
    expect((channel as unknown as { members: { count: number } }).members.count).toBe(3);

    const gone = nextEvent<Member>(channel, 'pusher:member_removed');
    dave2.disconnect();
    expect((await gone).id).toBe('dave');
    expect(removed).toHaveLength(1);
    expect((channel as unknown as { members: { count: number } }).members.count).toBe(2);
  });

  it('stringifies numeric user ids in ids, hash keys and member events', async () => {
    const watcher = await raw();
    rawSubscribe(server, watcher.c, watcher.id, 'presence-numbers', { user_id: 1 });
    const ok = await watcher.c.event('pusher_internal:subscription_succeeded', 'presence-numbers');
    expect(parseData<PresenceData>(ok).presence).toEqual({ ids: ['1'], hash: { '1': null }, count: 1 });
    const joiner = await raw();
    rawSubscribe(server, joiner.c, joiner.id, 'presence-numbers', { user_id: 42, user_info: { n: 42 } });
    const added = await watcher.c.event('pusher_internal:member_added', 'presence-numbers');
    expect(parseData(added)).toEqual({ user_id: '42', user_info: { n: 42 } });
    const res = await apiClient(server).get({ path: '/channels/presence-numbers/users' });
    expect(((await res.json()) as { users: Array<{ id: string }> }).users.map((u) => u.id).sort()).toEqual(['1', '42']);
    joiner.c.close();
    const removed = await watcher.c.event('pusher_internal:member_removed', 'presence-numbers');
    expect(parseData(removed)).toEqual({ user_id: '42' });
  });

  it('keeps a user id that is an Object.prototype name as an ordinary member key', async () => {
    const s = await raw();
    rawSubscribe(server, s.c, s.id, 'presence-proto', { user_id: '__proto__', user_info: { odd: true } });
    const ok = await s.c.event('pusher_internal:subscription_succeeded', 'presence-proto');
    expect(parseData<PresenceData>(ok).presence).toEqual({ ids: ['__proto__'], hash: JSON.parse('{"__proto__":{"odd":true}}'), count: 1 });
    expect(ok.data).toContain('"hash":{"__proto__":{"odd":true}}');
  });

  it('refuses a member beyond max_presence_members_per_channel, still admits more sockets of a present user', async () => {
    const members: Array<{ c: RawClient; id: string }> = [];
    for (const user of ['m1', 'm2', 'm3']) {
      const s = await raw();
      rawSubscribe(server, s.c, s.id, 'presence-full', { user_id: user });
      await s.c.event('pusher_internal:subscription_succeeded', 'presence-full');
      members.push(s);
    }
    const extra = await raw();
    rawSubscribe(server, extra.c, extra.id, 'presence-full', { user_id: 'm4' });
    const error = await extra.c.event('pusher:error');
    expect(error.channel).toBe('presence-full');
    expect(errorOf(error).code).toBe(4300);
    expect(errorOf(error).message).toMatch(/3/);
    // The refused socket is not a subscriber: it gets no channel events and nobody heard of m4.
    await marker('presence-full', members[0]!.c);
    expect(extra.c.frames.some((f) => f.channel === 'presence-full' && f.event.startsWith('marker-'))).toBe(false);
    expect(members[0]!.c.frames.some((f) => f.event === 'pusher_internal:member_added' && f.data?.includes('m4'))).toBe(false);

    const secondTab = await raw();
    rawSubscribe(server, secondTab.c, secondTab.id, 'presence-full', { user_id: 'm2' });
    await secondTab.c.event('pusher_internal:subscription_succeeded', 'presence-full');

    // Once a member leaves there is room again.
    members[0]!.c.close();
    await members[1]!.c.event('pusher_internal:member_removed', 'presence-full');
    rawSubscribe(server, extra.c, extra.id, 'presence-full', { user_id: 'm4' });
    await extra.c.event('pusher_internal:subscription_succeeded', 'presence-full');
  });

  it('refuses user_info over 1 KB, a user id over 128 characters and bad channel_data, and keeps serving', async () => {
    const s = await raw();
    rawSubscribe(server, s.c, s.id, 'presence-big-info', { user_id: 'big', user_info: { blob: 'x'.repeat(1100) } });
    rawSubscribe(server, s.c, s.id, 'presence-long-id', { user_id: 'u'.repeat(129) });
    const badData = '{"user_id": nope';
    const signed = apiClient(server).authorizeChannel(s.id, 'presence-bad-json', { user_id: 'x' });
    s.c.send({ event: 'pusher:subscribe', data: { channel: 'presence-bad-json', auth: signed.auth, channel_data: badData } });
    const emptyId = apiClient(server).authorizeChannel(s.id, 'presence-empty-id', { user_id: '' } as never);
    s.c.send({ event: 'pusher:subscribe', data: { channel: 'presence-empty-id', auth: emptyId.auth, channel_data: emptyId.channel_data } });
    await s.c.waitFrame(() => s.c.frames.filter((f) => f.event === 'pusher:error' || f.event === 'pusher:subscription_error').length === 4);
    const byChannel = new Map(s.c.frames.filter((f) => f.channel).map((f) => [f.channel, f]));
    expect(byChannel.get('presence-big-info')?.event).toBe('pusher:error');
    expect(errorOf(byChannel.get('presence-big-info')!).message).toMatch(/1 KB/);
    expect(byChannel.get('presence-long-id')?.event).toBe('pusher:error');
    expect(errorOf(byChannel.get('presence-long-id')!).message).toMatch(/128/);
    // A signature over other channel_data does not authorize this one.
    expect(byChannel.get('presence-bad-json')?.event).toBe('pusher:subscription_error');
    expect(byChannel.get('presence-empty-id')?.event).toBe('pusher:error');
    expect(s.c.frames.some((f) => f.event === 'pusher_internal:subscription_succeeded')).toBe(false);

    // Exactly at the limits is fine, and the socket still works.
    const info = { blob: 'y'.repeat(1024 - '{"blob":""}'.length) };
    expect(Buffer.byteLength(JSON.stringify(info))).toBe(1024);
    rawSubscribe(server, s.c, s.id, 'presence-at-limit', { user_id: 'u'.repeat(128), user_info: info });
    await s.c.event('pusher_internal:subscription_succeeded', 'presence-at-limit');
  });

  it('makes a signed-in socket that omits channel_data a member as its signin user', async () => {
    const client = pusherClient(server, {
      userData: { id: 'signed-user', user_info: { name: 'Signed' } },
      channelData: () => undefined,
    });
    clients.push(client);
    await connected(client);
    // pusher-js waits for signin_success before sending a presence subscribe without channel_data.
    client.signin();
    const channel = client.subscribe('presence-signed');
    const members = await nextEvent<{ me: Member; count: number }>(channel, 'pusher:subscription_succeeded');
    expect(members.me).toEqual({ id: 'signed-user', info: { name: 'Signed' } });
    expect(members.count).toBe(1);
  });

  it('refuses presence without channel_data on a socket that is not signed in', async () => {
    const s = await raw();
    rawSubscribe(server, s.c, s.id, 'presence-anon');
    const error = await s.c.waitFrame((f) => f.channel === 'presence-anon');
    expect(error.event).toBe('pusher:error');
    expect(errorOf(error).code).toBe(4300);
  });
});
