import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collect,
  connected,
  errorOf,
  nextEvent,
  pusherClient,
  rawClient,
  rawSubscribe,
  startServer,
  subscribed,
  type PusherClient,
  type RawClient,
  type TestServer,
} from '../kit/index.js';

/** pair subscribes two raw sockets to a channel and returns them. */
async function pair(server: TestServer, raws: RawClient[], channel: string, users: [string, string] = ['u-a', 'u-b']) {
  const out: RawClient[] = [];
  for (const user of users) {
    const c = await rawClient(server);
    raws.push(c);
    const id = await c.socketId();
    rawSubscribe(server, c, id, channel, channel.startsWith('presence-') ? { user_id: user } : undefined);
    await c.event('pusher_internal:subscription_succeeded', channel);
    out.push(c);
  }
  return out as [RawClient, RawClient];
}

/** settle proves the server handled what came before: the receiver sends a fresh client event and the sender awaits it. */
async function settle(sender: RawClient, receiver: RawClient, channel: string): Promise<void> {
  const name = `client-settle-${Math.random().toString(36).slice(2)}`;
  receiver.send({ event: name, channel, data: {} });
  await sender.event(name, channel);
}

describe('client events disabled (enable_client_messages = false)', () => {
  let server: TestServer;
  const clients: PusherClient[] = [];
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await server.stop();
  });

  it('refuses a pusher-js client event with pusher:error 4301 and relays nothing', async () => {
    const a = pusherClient(server);
    const b = pusherClient(server);
    clients.push(a, b);
    await Promise.all([connected(a), connected(b)]);
    const chA = await subscribed(a, 'private-off');
    const chB = await subscribed(b, 'private-off');
    const got = collect(chB, 'client-hello');
    const error = new Promise<{ data: { code: number } }>((resolve) =>
      a.connection.bind('error', (e: { type: string; data: { code: number } }) => e.type === 'PusherError' && resolve(e)),
    );
    chA.trigger('client-hello', { x: 1 });
    expect((await error).data.code).toBe(4301);
    expect(got).toEqual([]);
  });
});

describe('client events enabled: channel kinds, subscription, echo, user_id, limits', () => {
  let server: TestServer;
  const clients: PusherClient[] = [];
  const raws: RawClient[] = [];
  beforeAll(async () => {
    server = await startServer({ app: { enable_client_messages: true, max_client_events_per_second: 5 } });
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    for (const r of raws) r.close();
    await server.stop();
  });

  it('relays a pusher-js client event on a private channel to the others, not back to the sender', async () => {
    const a = pusherClient(server);
    const b = pusherClient(server);
    clients.push(a, b);
    await Promise.all([connected(a), connected(b)]);
    const chA = await subscribed(a, 'private-chat');
    const chB = await subscribed(b, 'private-chat');
    const echoed = collect(chA, 'client-typing');
    const got = nextEvent(chB, 'client-typing');
    expect(chA.trigger('client-typing', { who: 'a' })).toBe(true);
    expect(await got).toEqual({ who: 'a' });
    // B answers; once A has it, A's own event would have arrived before it if it were echoed.
    const reply = nextEvent(chA, 'client-reply');
    chB.trigger('client-reply', {});
    await reply;
    expect(echoed).toEqual([]);
  });

  it('adds the sender user_id to client events on presence channels and ignores a forged one', async () => {
    const [a, b] = await pair(server, raws, 'presence-chat', ['alice', 'bob']);
    a.send({ event: 'client-wave', channel: 'presence-chat', data: { hand: 'left' }, user_id: 'mallory' });
    const wave = await b.event('client-wave', 'presence-chat');
    expect(wave).toEqual({ event: 'client-wave', channel: 'presence-chat', data: '{"hand":"left"}', user_id: 'alice' });
  });

  it('gives pusher-js the presence user_id as event metadata', async () => {
    const a = pusherClient(server, { channelData: () => ({ user_id: 'js-a' }) });
    const b = pusherClient(server, { channelData: () => ({ user_id: 'js-b' }) });
    clients.push(a, b);
    await Promise.all([connected(a), connected(b)]);
    const chA = await subscribed(a, 'presence-js');
    const chB = await subscribed(b, 'presence-js');
    const got = new Promise<{ data: unknown; meta: { user_id?: string } }>((resolve) =>
      chB.bind('client-ping', (data: unknown, meta: { user_id?: string }) => resolve({ data, meta })),
    );
    chA.trigger('client-ping', { n: 1 });
    expect(await got).toEqual({ data: { n: 1 }, meta: { user_id: 'js-a' } });
  });

  it('does not add user_id on private channels even when the client sends one', async () => {
    const [a, b] = await pair(server, raws, 'private-noid');
    a.send({ event: 'client-x', channel: 'private-noid', data: 'as a string', user_id: 'forged' });
    expect(await b.event('client-x', 'private-noid')).toEqual({ event: 'client-x', channel: 'private-noid', data: 'as a string' });
  });

  it('refuses client events on public channels and on channels the sender is not subscribed to', async () => {
    const [a, b] = await pair(server, raws, 'public-chat');
    a.send({ event: 'client-x', channel: 'public-chat', data: {} });
    const e1 = await a.event('pusher:error');
    expect(errorOf(e1).code).toBe(4301);

    const [c, d] = await pair(server, raws, 'private-members');
    const outsider = await rawClient(server);
    raws.push(outsider);
    await outsider.socketId();
    outsider.send({ event: 'client-x', channel: 'private-members', data: {} });
    const e2 = await outsider.event('pusher:error');
    expect(errorOf(e2).code).toBe(4301);
    outsider.send({ event: 'client-x', data: {} });
    await outsider.waitFrame(() => outsider.frames.filter((f) => f.event === 'pusher:error').length === 2);
    await settle(c, d, 'private-members');
    expect(d.frames.some((f) => f.event === 'client-x')).toBe(false);
    expect(b.frames.some((f) => f.event === 'client-x')).toBe(false);
  });

  it('refuses event names over 200 characters and payloads over 10 KB with 4301', async () => {
    const [a, b] = await pair(server, raws, 'private-limits');
    a.send({ event: 'client-' + 'n'.repeat(194), channel: 'private-limits', data: {} });
    a.send({ event: 'client-' + 'n'.repeat(193), channel: 'private-limits', data: {} });
    a.send({ event: 'client-big', channel: 'private-limits', data: 'x'.repeat(10 * 1024 + 1) });
    a.send({ event: 'client-fits', channel: 'private-limits', data: 'x'.repeat(10 * 1024) });
    await b.event('client-fits', 'private-limits');
    const errors = a.frames.filter((f) => f.event === 'pusher:error');
    expect(errors.map((e) => errorOf(e).code)).toEqual([4301, 4301]);
    const names = b.frames.filter((f) => f.event.startsWith('client-')).map((f) => f.event);
    expect(names).toEqual(['client-' + 'n'.repeat(193), 'client-fits']);
  });

  it('ignores events that do not start with client- (no relay)', async () => {
    const [a, b] = await pair(server, raws, 'private-names');
    a.send({ event: 'typing', channel: 'private-names', data: {} });
    a.send({ event: 'pusher:typing', channel: 'private-names', data: {} });
    await settle(a, b, 'private-names');
    expect(b.frames.filter((f) => f.channel === 'private-names').map((f) => f.event)).toEqual(['pusher_internal:subscription_succeeded']);
  });

  it('answers events beyond max_client_events_per_second with 4301, keeps the socket, and recovers', async () => {
    const [a, b] = await pair(server, raws, 'private-rate');
    for (let i = 0; i < 12; i++) a.send({ event: 'client-burst', channel: 'private-rate', data: { i } });
    await a.waitFrame(() => a.frames.filter((f) => f.event === 'pusher:error').length >= 2);
    await settle(a, b, 'private-rate');
    const delivered = b.frames.filter((f) => f.event === 'client-burst').length;
    const refused = a.frames.filter((f) => f.event === 'pusher:error');
    // A burst of 12 at 5/s: at most two one-second windows are touched, so 5..10 pass and the rest are refused.
    expect(delivered).toBeGreaterThanOrEqual(5);
    expect(delivered).toBeLessThanOrEqual(10);
    expect(delivered + refused.length).toBe(12);
    for (const e of refused) expect(errorOf(e).code).toBe(4301);
    expect(a.ws.readyState).toBe(a.ws.OPEN);
    // why: the limit is per second; after the window passes the socket may send again.
    await new Promise((r) => setTimeout(r, 1100));
    a.send({ event: 'client-after', channel: 'private-rate', data: {} });
    await b.event('client-after', 'private-rate');
  });
});
