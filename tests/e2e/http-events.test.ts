import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiClient,
  collect,
  connected,
  newApp,
  nextEvent,
  pusherClient,
  rawClient,
  rawSignin,
  startServer,
  subscribed,
  waitFor,
  type PusherClient,
  type TestServer,
} from '../kit/index.js';
import { signedRequest } from '../kit/http.js';

/** sdkStatus runs an SDK call and returns the HTTP status it got (the SDK throws RequestError for >= 400). */
async function sdkStatus(call: Promise<unknown>): Promise<{ status: number; body: unknown }> {
  try {
    const res = (await call) as { status: number; json(): Promise<unknown> };
    return { status: res.status, body: await res.json() };
  } catch (err) {
    const e = err as { status?: number; body?: string };
    if (e.status === undefined) throw err;
    return { status: e.status, body: JSON.parse(e.body ?? 'null') as unknown };
  }
}

// POST /events, POST /batch_events, sendToUser and terminate_connections (PROTOCOL.md §8).
describe('HTTP API: publishing events', () => {
  let server: TestServer;
  const clients: PusherClient[] = [];
  const limited = newApp({ max_event_batch_size: 2, max_event_payload_in_kb: 1, max_event_channels_at_once: 3, max_event_name_length: 20 });
  const client = (options: Parameters<typeof pusherClient>[1] = {}): PusherClient => {
    const c = pusherClient(server, options);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    server = await startServer({ app: { enable_user_authentication: true }, extraApps: [limited] });
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await server.stop();
  });

  describe('POST /events', () => {
    it('delivers one trigger to every named channel with the exact data string', async () => {
      const c = client();
      const [a, b] = await Promise.all([subscribed(c, 'multi-a'), subscribed(c, 'multi-b')]);
      const gotA = nextEvent(a, 'multi');
      const gotB = nextEvent(b, 'multi');
      const res = await apiClient(server).trigger(['multi-a', 'multi-b'], 'multi', { n: 1, s: 'ü' });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({});
      expect(await gotA).toEqual({ n: 1, s: 'ü' });
      expect(await gotB).toEqual({ n: 1, s: 'ü' });
    });

    it('accepts the single `channel` form and passes a non-JSON data string through unchanged', async () => {
      const c = client();
      const ch = await subscribed(c, 'single-form');
      const got = nextEvent(ch, 'plain');
      const res = await signedRequest(server, { path: '/events', body: { name: 'plain', channel: 'single-form', data: 'just text' } });
      expect(res.status).toBe(200);
      expect(await got).toBe('just text');
    });

    it('excludes the socket_id from delivery: the sender does not get the event, other sockets do', async () => {
      const sender = client();
      const other = client();
      const senderId = await connected(sender);
      const [senderCh, otherCh] = await Promise.all([subscribed(sender, 'exclusion'), subscribed(other, 'exclusion')]);
      const senderSeen = collect(senderCh, 'update');
      const otherGot = nextEvent(otherCh, 'update');
      await apiClient(server).trigger('exclusion', 'update', { v: 1 }, { socket_id: senderId });
      expect(await otherGot).toEqual({ v: 1 });
      // A second trigger without socket_id reaches the sender; delivery is in order, so the first never came.
      const senderGot = nextEvent(senderCh, 'update');
      await apiClient(server).trigger('exclusion', 'update', { v: 2 });
      await senderGot;
      expect(senderSeen.map((e) => e.data)).toEqual([{ v: 2 }]);
    });

    it('returns subscription_count and user_count per channel when info asks for them', async () => {
      const a = client();
      const b = client({ channelData: () => ({ user_id: 'u-1', user_info: { name: 'one' } }) });
      const c = client({ channelData: () => ({ user_id: 'u-2' }) });
      await Promise.all([subscribed(a, 'info-public'), subscribed(b, 'info-public')]);
      await Promise.all([subscribed(b, 'presence-info'), subscribed(c, 'presence-info')]);
      const res = await apiClient(server).trigger(['info-public', 'presence-info', 'info-empty'], 'e', {}, { info: 'subscription_count,user_count' });
      expect(await res.json()).toEqual({
        channels: {
          'info-public': { subscription_count: 2 },
          'presence-info': { subscription_count: 2, user_count: 2 },
          'info-empty': { subscription_count: 0 },
        },
      });
    });

    it.each([
      ['a missing name', { channels: ['x'], data: '{}' }, /name/],
      ['an empty name', { name: '', channels: ['x'], data: '{}' }, /name/],
      ['a name over 200 characters', { name: 'n'.repeat(201), channels: ['x'], data: '{}' }, /name/],
      ['missing data', { name: 'e', channels: ['x'] }, /data/],
      ['no channels', { name: 'e', data: '{}' }, /channel/],
      ['an empty channel list', { name: 'e', channels: [], data: '{}' }, /channels/],
      ['more than 100 channels', { name: 'e', channels: Array.from({ length: 101 }, (_, i) => `c${i}`), data: '{}' }, /channels.*100/],
      ['a bad channel name', { name: 'e', channels: ['ok', 'not ok!'], data: '{}' }, /channels.*not ok!/],
      ['a channel name over 200 characters', { name: 'e', channels: ['c'.repeat(201)], data: '{}' }, /channel/],
      ['a bad socket_id', { name: 'e', channels: ['x'], data: '{}', socket_id: 'abc' }, /socket_id/],
      ['a socket_id with extra parts', { name: 'e', channels: ['x'], data: '{}', socket_id: '1.2.3' }, /socket_id/],
      ['a body that is a list', [{ name: 'e' }], /object/],
    ])('answers 400 naming the field for %s', async (_what, body, field) => {
      const res = await signedRequest(server, { path: '/events', body });
      expect(res.status).toBe(400);
      expect(res.json).toEqual({ error: expect.stringMatching(field) });
    });

    it('answers 413 for data over 10 KB and accepts exactly 10 KB', async () => {
      const over = await sdkStatus(apiClient(server).trigger('size', 'e', 'x'.repeat(10 * 1024 + 1)));
      expect(over.status).toBe(413);
      expect(over.body).toEqual({ error: expect.stringMatching(/data/) });
      expect((await sdkStatus(apiClient(server).trigger('size', 'e', 'x'.repeat(10 * 1024)))).status).toBe(200);
    });

    it('applies the app\'s own limits (payload, channels per trigger, name length)', async () => {
      const sdk = apiClient(server, limited);
      expect((await sdkStatus(sdk.trigger('x', 'e', 'x'.repeat(1025)))).status).toBe(413);
      expect((await sdkStatus(sdk.trigger('x', 'e', 'x'.repeat(1024)))).status).toBe(200);
      expect((await sdkStatus(sdk.trigger(['a', 'b', 'c', 'd'], 'e', {}))).status).toBe(400);
      expect((await sdkStatus(sdk.trigger(['a', 'b', 'c'], 'e', {}))).status).toBe(200);
      expect((await sdkStatus(sdk.trigger('x', 'n'.repeat(21), {}))).status).toBe(400);
    });
  });

  describe('POST /batch_events', () => {
    it('delivers every event of a batch to its channel', async () => {
      const c = client();
      const [a, b] = await Promise.all([subscribed(c, 'batch-a'), subscribed(c, 'batch-b')]);
      const gotA = nextEvent(a, 'one');
      const gotB = nextEvent(b, 'two');
      const res = await apiClient(server).triggerBatch([
        { channel: 'batch-a', name: 'one', data: { i: 1 } },
        { channel: 'batch-b', name: 'two', data: 'two' },
      ]);
      expect(await res.json()).toEqual({});
      expect(await gotA).toEqual({ i: 1 });
      expect(await gotB).toBe('two');
    });

    it('returns info index-aligned with the batch, {} for events that asked for none', async () => {
      const p = client({ channelData: () => ({ user_id: 'batch-user' }) });
      const q = client();
      await subscribed(p, 'presence-batch');
      await Promise.all([subscribed(p, 'batch-counted'), subscribed(q, 'batch-counted')]);
      const res = await apiClient(server).triggerBatch([
        { channel: 'batch-counted', name: 'e', data: '{}', info: 'subscription_count' },
        { channel: 'batch-counted', name: 'e', data: '{}' },
        { channel: 'presence-batch', name: 'e', data: '{}', info: 'user_count,subscription_count' },
        { channel: 'batch-nobody', name: 'e', data: '{}', info: 'subscription_count' },
      ] as never);
      expect(await res.json()).toEqual({
        batch: [{ subscription_count: 2 }, {}, { user_count: 1, subscription_count: 1 }, { subscription_count: 0 }],
      });
    });

    it('excludes a batch event\'s socket_id from delivery', async () => {
      const sender = client();
      const other = client();
      const senderId = await connected(sender);
      const [senderCh, otherCh] = await Promise.all([subscribed(sender, 'batch-excl'), subscribed(other, 'batch-excl')]);
      const senderSeen = collect(senderCh, 'e');
      const otherGot = nextEvent(otherCh, 'e');
      await apiClient(server).triggerBatch([{ channel: 'batch-excl', name: 'e', data: 'first', socket_id: senderId }] as never);
      expect(await otherGot).toBe('first');
      const senderGot = nextEvent(senderCh, 'e');
      await apiClient(server).triggerBatch([{ channel: 'batch-excl', name: 'e', data: 'second' }]);
      await senderGot;
      expect(senderSeen.map((e) => e.data)).toEqual(['second']);
    });

    it('answers 400 for a batch over max_event_batch_size (10 by default, per app when set)', async () => {
      const eleven = Array.from({ length: 11 }, (_, i) => ({ channel: `b${i}`, name: 'e', data: '{}' }));
      const res = await sdkStatus(apiClient(server).triggerBatch(eleven));
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: expect.stringMatching(/batch.*10/) });
      expect((await sdkStatus(apiClient(server).triggerBatch(eleven.slice(0, 10)))).status).toBe(200);
      expect((await sdkStatus(apiClient(server, limited).triggerBatch(eleven.slice(0, 3)))).status).toBe(400);
      expect((await sdkStatus(apiClient(server, limited).triggerBatch(eleven.slice(0, 2)))).status).toBe(200);
    });

    it('answers 400 naming the index and field of a bad event, and publishes none of the batch', async () => {
      const c = client();
      const ch = await subscribed(c, 'batch-atomic');
      const seen = collect(ch, 'e');
      const res = await signedRequest(server, {
        path: '/batch_events',
        body: { batch: [{ channel: 'batch-atomic', name: 'e', data: 'x' }, { channel: 'bad name', name: 'e', data: 'x' }] },
      });
      expect(res.status).toBe(400);
      expect(res.json).toEqual({ error: expect.stringMatching(/batch\[1\]/) });
      const missingName = await signedRequest(server, { path: '/batch_events', body: { batch: [{ channel: 'a', data: 'x' }] } });
      expect(missingName.json).toEqual({ error: expect.stringMatching(/batch\[0\]\.name/) });
      // A later good event arrives first: the refused batch published nothing.
      const got = nextEvent(ch, 'e');
      await apiClient(server).trigger('batch-atomic', 'e', 'after');
      expect(await got).toBe('after');
      expect(seen.map((e) => e.data)).toEqual(['after']);
    });

    it('answers 400 when batch is missing or not a list, and 413 for an event over 10 KB', async () => {
      expect((await signedRequest(server, { path: '/batch_events', body: {} })).json).toEqual({ error: expect.stringMatching(/batch/) });
      expect((await signedRequest(server, { path: '/batch_events', body: { batch: 'x' } })).status).toBe(400);
      const big = await signedRequest(server, { path: '/batch_events', body: { batch: [{ channel: 'a', name: 'e', data: 'x'.repeat(10 * 1024 + 1) }] } });
      expect(big.status).toBe(413);
    });
  });

  describe('users', () => {
    it('sendToUser reaches every signed-in socket of that user and no one else', async () => {
      const first = client({ userData: { id: 'alice' } });
      const second = client({ userData: { id: 'alice' } });
      const bob = client({ userData: { id: 'bob' } });
      for (const c of [first, second, bob]) {
        await connected(c);
        c.signin();
      }
      await waitFor(() => [first, second, bob].every((c) => c.user.serverToUserChannel?.subscribed === true), 10_000, 'server-to-user subscriptions');
      const bobSeen = collect(bob.user, 'notice');
      const got = [nextEvent(first.user, 'notice'), nextEvent(second.user, 'notice')];
      const res = await apiClient(server).sendToUser('alice', 'notice', { text: 'hi alice' });
      expect(res.status).toBe(200);
      expect(await Promise.all(got)).toEqual([{ text: 'hi alice' }, { text: 'hi alice' }]);
      const bobGot = nextEvent(bob.user, 'notice');
      await apiClient(server).sendToUser('bob', 'notice', { text: 'hi bob' });
      await bobGot;
      expect(bobSeen.map((e) => e.data)).toEqual([{ text: 'hi bob' }]);
    });

    it('terminateUserConnections closes every socket of that user with 4009 and leaves others open', async () => {
      const a1 = await rawClient(server);
      const a2 = await rawClient(server);
      const other = await rawClient(server);
      rawSignin(server, a1, await a1.socketId(), { id: 'carol' });
      rawSignin(server, a2, await a2.socketId(), { id: 'carol' });
      rawSignin(server, other, await other.socketId(), { id: 'dave' });
      await Promise.all([a1, a2, other].map((r) => r.event('pusher:signin_success')));
      const res = await apiClient(server).terminateUserConnections('carol');
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({});
      expect((await a1.closed).code).toBe(4009);
      expect((await a2.closed).code).toBe(4009);
      other.send({ event: 'pusher:ping', data: {} });
      await other.event('pusher:pong');
      expect(other.ws.readyState).toBe(other.ws.OPEN);
      other.close();
    });

    it('terminate_connections for a user with no sockets answers 200 {}', async () => {
      const res = await signedRequest(server, { path: '/users/nobody-here/terminate_connections', body: {} });
      expect(res.status).toBe(200);
      expect(res.json).toEqual({});
    });
  });
});
