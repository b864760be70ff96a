import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiClient,
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
} from '../kit/index.js';

interface SubscriptionError {
  type: string;
  error: string;
  status: number;
}

describe('public and private channels: auth, names, delivery', () => {
  let server: TestServer;
  const clients: PusherClient[] = [];
  const raws: RawClient[] = [];
  const client = (options: Parameters<typeof pusherClient>[1] = {}): PusherClient => {
    const c = pusherClient(server, options);
    clients.push(c);
    return c;
  };
  const raw = async (): Promise<{ c: RawClient; id: string }> => {
    const c = await rawClient(server);
    raws.push(c);
    return { c, id: await c.socketId() };
  };
  const subscriptionCount = async (channel: string): Promise<number> => {
    const res = await apiClient(server).get({ path: `/channels/${channel}`, params: { info: 'subscription_count' } });
    return ((await res.json()) as { subscription_count?: number }).subscription_count ?? 0;
  };
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    for (const r of raws) r.close();
    await server.stop();
  });

  it('subscribes to a public channel without auth and delivers the publisher string as data', async () => {
    const { c, id } = await raw();
    rawSubscribe(server, c, id, 'news');
    const ok = await c.event('pusher_internal:subscription_succeeded', 'news');
    expect(ok.data).toBe('{}');
    await apiClient(server).trigger('news', 'headline', 'plain text, not JSON');
    const event = await c.event('headline', 'news');
    expect(event).toEqual({ event: 'headline', channel: 'news', data: 'plain text, not JSON' });
  });

  it('accepts subscribe data sent as a JSON string as well as an object', async () => {
    const { c } = await raw();
    c.send({ event: 'pusher:subscribe', data: JSON.stringify({ channel: 'string-data' }) });
    await c.event('pusher_internal:subscription_succeeded', 'string-data');
  });

  it('subscribes pusher-js to a private channel with a good signature and delivers events', async () => {
    const c = client();
    await connected(c);
    const channel = await subscribed(c, 'private-orders');
    const got = nextEvent(channel, 'paid');
    await apiClient(server).trigger('private-orders', 'paid', { order: 7 });
    expect(await got).toEqual({ order: 7 });
  });

  it('answers a bad private signature with subscription_error {type: AuthError, status: 401} and does not subscribe', async () => {
    const c = client({ wrongSecret: true });
    await connected(c);
    const channel = c.subscribe('private-secret-room');
    const error = await nextEvent<SubscriptionError>(channel, 'pusher:subscription_error');
    expect(error.type).toBe('AuthError');
    expect(error.status).toBe(401);
    expect(typeof error.error).toBe('string');
    expect(await subscriptionCount('private-secret-room')).toBe(0);
  });

  it('refuses a signature made for another socket, another key, or no auth at all', async () => {
    const { c, id } = await raw();
    const other = apiClient(server).authorizeChannel('1234.5678', 'private-a').auth;
    const good = apiClient(server).authorizeChannel(id, 'private-a').auth;
    const wrongKey = 'other-key:' + good.split(':')[1];
    c.send({ event: 'pusher:subscribe', data: { channel: 'private-a', auth: other } });
    c.send({ event: 'pusher:subscribe', data: { channel: 'private-a', auth: wrongKey } });
    c.send({ event: 'pusher:subscribe', data: { channel: 'private-a' } });
    c.send({ event: 'pusher:subscribe', data: { channel: 'private-a', auth: good.toUpperCase() } });
    await c.waitFrame(() => c.frames.filter((f) => f.event === 'pusher:subscription_error').length === 4);
    for (const f of c.frames.filter((x) => x.event === 'pusher:subscription_error')) {
      expect(f.channel).toBe('private-a');
      expect(parseData<SubscriptionError>(f)).toMatchObject({ type: 'AuthError', status: 401 });
    }
    expect(c.frames.some((f) => f.event === 'pusher_internal:subscription_succeeded')).toBe(false);
    // The same socket then subscribes with the right signature.
    c.send({ event: 'pusher:subscribe', data: { channel: 'private-a', auth: good } });
    await c.event('pusher_internal:subscription_succeeded', 'private-a');
  });

  it('classifies by anchored prefix: names that merely contain "private-" or "presence-" are public', async () => {
    const { c } = await raw();
    for (const name of ['public-private-x', 'my-presence-y', 'xprivate-encrypted-z']) {
      c.send({ event: 'pusher:subscribe', data: { channel: name } });
      await c.event('pusher_internal:subscription_succeeded', name);
    }
    for (const name of ['private-encrypted-z', 'presence-q']) {
      c.send({ event: 'pusher:subscribe', data: { channel: name } });
      const error = await c.event('pusher:subscription_error', name);
      expect(parseData(error)).toMatchObject({ type: 'AuthError', status: 401 });
    }
  });

  it('rejects invalid channel names with pusher:error 4300 on that channel and keeps the socket', async () => {
    const { c } = await raw();
    const bad = ['has space', 'bang!', 'a'.repeat(201), '#not-server-to-user', 'slash/name', ''];
    for (const name of bad) c.send({ event: 'pusher:subscribe', data: { channel: name } });
    await c.waitFrame(() => c.frames.filter((f) => f.event === 'pusher:error').length === bad.length);
    const errors = c.frames.filter((f) => f.event === 'pusher:error');
    for (const e of errors) expect(errorOf(e).code).toBe(4300);
    expect(errors.slice(0, 5).map((e) => e.channel)).toEqual(bad.slice(0, 5));
    expect(c.frames.some((f) => f.event === 'pusher_internal:subscription_succeeded')).toBe(false);
    // Every allowed character, at the maximum length, is accepted.
    const good = ('Az09_-=@,.;' + 'x'.repeat(200)).slice(0, 200);
    c.send({ event: 'pusher:subscribe', data: { channel: good } });
    await c.event('pusher_internal:subscription_succeeded', good);
  });

  it('answers a repeated subscribe with subscription_succeeded again and counts the socket once', async () => {
    const { c } = await raw();
    c.send({ event: 'pusher:subscribe', data: { channel: 'twice' } });
    c.send({ event: 'pusher:subscribe', data: { channel: 'twice' } });
    await c.waitFrame(() => c.frames.filter((f) => f.event === 'pusher_internal:subscription_succeeded').length === 2);
    expect(await subscriptionCount('twice')).toBe(1);
  });

  it('sends no reply to pusher:unsubscribe', async () => {
    const { c, id } = await raw();
    rawSubscribe(server, c, id, 'private-quiet-leave');
    await c.event('pusher_internal:subscription_succeeded', 'private-quiet-leave');
    c.send({ event: 'pusher:unsubscribe', data: { channel: 'private-quiet-leave' } });
    // Frames are handled in order: once the next subscribe succeeds, the unsubscribe has been handled.
    c.send({ event: 'pusher:subscribe', data: { channel: 'barrier' } });
    await c.event('pusher_internal:subscription_succeeded', 'barrier');
    expect(c.frames.map((f) => f.event)).toEqual([
      'pusher:connection_established',
      'pusher_internal:subscription_succeeded',
      'pusher_internal:subscription_succeeded',
    ]);
    expect(await subscriptionCount('private-quiet-leave')).toBe(0);
  });

  it('stops delivering after pusher:unsubscribe while other subscribers still receive', async () => {
    const a = client();
    const b = client();
    await Promise.all([connected(a), connected(b)]);
    const chA = await subscribed(a, 'private-leave');
    const chB = await subscribed(b, 'private-leave');
    const seenByA: unknown[] = [];
    chA.bind('tick', (d: unknown) => seenByA.push(d));
    a.unsubscribe('private-leave');
    const got = nextEvent(chB, 'tick');
    // why: the unsubscribe frame and the HTTP publish race; wait until the server has counted A out.
    for (let i = 0; i < 100 && (await subscriptionCount('private-leave')) !== 1; i++) await new Promise((r) => setTimeout(r, 20));
    await apiClient(server).trigger('private-leave', 'tick', { n: 1 });
    expect(await got).toEqual({ n: 1 });
    expect(seenByA).toEqual([]);
  });
});
