import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiClient,
  connected,
  errorOf,
  metricValue,
  nextEvent,
  pusherClient,
  rawClient,
  rawSignin,
  rawSubscribe,
  startServer,
  subscribed,
  waitFor,
  type PusherClient,
  type RawClient,
  type TestServer,
} from '../kit/index.js';

describe('robustness: bad input never crashes the server or affects other clients', () => {
  let server: TestServer;
  let bystander: PusherClient;
  let bystanderChannel: Awaited<ReturnType<typeof subscribed>>;
  const stateChanges: string[] = [];
  const raws: RawClient[] = [];
  const raw = async (): Promise<{ c: RawClient; id: string }> => {
    const c = await rawClient(server);
    raws.push(c);
    return { c, id: await c.socketId() };
  };
  /** alive proves a socket is still served: a ping gets its pong. */
  const alive = async (c: RawClient): Promise<void> => {
    const before = c.frames.filter((f) => f.event === 'pusher:pong').length;
    c.send({ event: 'pusher:ping', data: {} });
    await c.waitFrame(() => c.frames.filter((f) => f.event === 'pusher:pong').length > before);
  };
  const channels = async (): Promise<Record<string, unknown>> => {
    const res = await apiClient(server).get({ path: '/channels' });
    return ((await res.json()) as { channels: Record<string, unknown> }).channels;
  };
  beforeAll(async () => {
    server = await startServer({
      app: { enable_client_messages: true, enable_user_authentication: true, max_connections: 20 },
      // why: these attacks are malformed input, not floods; the frame rate limit has its own attack tests
      // (it would cut the 10,000-cycle churn below at its burst of 500 frames).
      config: { websocket: { max_payload_kb: 4, max_frames_per_second: 0 } },
    });
    bystander = pusherClient(server);
    await connected(bystander);
    bystanderChannel = await subscribed(bystander, 'bystander');
    bystander.connection.bind('state_change', (s: { current: string }) => stateChanges.push(s.current));
  });
  afterAll(async () => {
    bystander.disconnect();
    for (const r of raws) r.close();
    await server.stop();
  });

  it('answers malformed and non-object JSON with pusher:error and keeps the socket', async () => {
    const { c } = await raw();
    const bad = ['{not json', '', '[]', '[{"event":"pusher:ping"}]', '42', '"pusher:ping"', 'null', 'true', '{}', '{"event":5}', '{"event":null}', '{"data":{}}', '{"event":"client-x","channel":7}'];
    for (const text of bad) c.send(text);
    await c.waitFrame(() => c.frames.filter((f) => f.event === 'pusher:error').length === bad.length);
    for (const e of c.frames.filter((f) => f.event === 'pusher:error')) expect(typeof errorOf(e).message).toBe('string');
    await alive(c);
  });

  it('ignores unknown events and survives odd subscribe/unsubscribe/signin payloads', async () => {
    const { c } = await raw();
    const odd: unknown[] = [
      { event: 'pusher:unknown' },
      { event: 'whatever', data: 'x' },
      { event: 'pusher_internal:subscription_succeeded', channel: 'x', data: '{}' },
      { event: 'pusher:subscribe' },
      { event: 'pusher:subscribe', data: null },
      { event: 'pusher:subscribe', data: 7 },
      { event: 'pusher:subscribe', data: '{broken' },
      { event: 'pusher:subscribe', data: { channel: 5 } },
      { event: 'pusher:subscribe', data: { channel: ['a'] } },
      { event: 'pusher:subscribe', data: { channel: 'presence-odd', auth: 5, channel_data: { user_id: 1 } } },
      { event: 'pusher:subscribe', data: { channel: 'private-odd', auth: ':' } },
      { event: 'pusher:subscribe', data: { channel: 'private-odd', auth: '' } },
      { event: 'pusher:unsubscribe' },
      { event: 'pusher:unsubscribe', data: { channel: 'never-subscribed' } },
      { event: 'pusher:unsubscribe', data: 'nonsense' },
      { event: 'pusher:pong', data: 'x' },
      { event: 'client-x' },
      { event: 'client-x', channel: 'private-odd', data: { deep: { deeper: [1, 2, 3] } } },
    ];
    for (const frame of odd) c.send(frame);
    await alive(c);
    // Subscribe handlers run in order: once this one succeeds, every odd frame before it was handled.
    c.send({ event: 'pusher:subscribe', data: { channel: 'after-odd' } });
    await c.event('pusher_internal:subscription_succeeded', 'after-odd');
    expect(c.frames.some((f) => f.event === 'pusher_internal:subscription_succeeded' && f.channel !== 'after-odd')).toBe(false);
  });

  it('ignores or errors on binary frames and keeps the socket', async () => {
    const { c } = await raw();
    c.ws.send(Buffer.from('{"event":"pusher:ping","data":{}}'), { binary: true });
    c.ws.send(Buffer.from([0, 1, 2, 255]), { binary: true });
    await c.waitFrame(() => c.frames.filter((f) => f.event === 'pusher:error').length === 2);
    await alive(c);
  });

  it('closes a socket that sends a frame over websocket.max_payload_kb (1009), nobody else', async () => {
    const { c } = await raw();
    const other = await raw();
    c.send({ event: 'client-huge', channel: 'x', data: 'x'.repeat(5 * 1024) });
    const closed = await c.closed;
    expect(closed.code).toBe(1009);
    await alive(other.c);
  });

  it('survives 10,000 subscribe/unsubscribe cycles on one socket and leaves no channel behind', async () => {
    const { c, id } = await raw();
    for (let i = 0; i < 10_000; i++) {
      const channel = i % 2 === 0 ? `cycle-${i % 50}` : `private-cycle-${i % 50}`;
      rawSubscribe(server, c, id, channel);
      c.send({ event: 'pusher:unsubscribe', data: { channel } });
    }
    c.send({ event: 'pusher:subscribe', data: { channel: 'cycle-done' } });
    await c.event('pusher_internal:subscription_succeeded', 'cycle-done', 20_000);
    expect(c.frames.filter((f) => f.event === 'pusher_internal:subscription_succeeded')).toHaveLength(10_001);
    const now = await channels();
    expect(Object.keys(now).filter((name) => name.includes('cycle-') && name !== 'cycle-done')).toEqual([]);
    // A publish to a cycled channel reaches nobody; the final channel still works.
    await apiClient(server).trigger(['cycle-0', 'cycle-done'], 'after', {});
    await c.event('after', 'cycle-done');
    expect(c.frames.some((f) => f.event === 'after' && f.channel === 'cycle-0')).toBe(false);
  }, 60_000);

  it('survives abrupt resets: mid-handshake, right after subscribing, and mid-frame', async () => {
    // A TCP connection that sends half an upgrade request and resets.
    for (let i = 0; i < 5; i++) {
      const sock = connect(server.port, '127.0.0.1');
      await new Promise<void>((r) => sock.once('connect', () => r()));
      sock.write(`GET /app/${server.app.key}?protocol=7 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n`);
      sock.resetAndDestroy();
    }
    // Sockets reset right after sending subscribes and a signin, before any reply.
    for (let i = 0; i < 10; i++) {
      const { c, id } = await raw();
      rawSubscribe(server, c, id, `presence-reset`, { user_id: `r${i}` });
      rawSubscribe(server, c, id, 'reset-public');
      rawSignin(server, c, id, { id: `reset-${i}` });
      (c.ws as unknown as { _socket: { resetAndDestroy(): void } })._socket.resetAndDestroy();
    }
    // A socket that resets in the middle of a frame.
    const { c } = await raw();
    const sock = (c.ws as unknown as { _socket: { write(b: Buffer): void; resetAndDestroy(): void } })._socket;
    sock.write(Buffer.from([0x81, 0xfe, 0x10, 0x00, 1, 2, 3, 4, 0x20, 0x20]));
    sock.resetAndDestroy();
    await waitFor(async () => Object.keys(await channels()).every((n) => !n.includes('reset')), 5000, 'reset channels gone');
    const other = await raw();
    await alive(other.c);
  });

  it('returns to zero channels and zero connections after many connect/subscribe/disconnect cycles', async () => {
    for (const r of raws.splice(0)) r.close();
    for (let round = 0; round < 10; round++) {
      const batch = await Promise.all(Array.from({ length: 15 }, () => raw()));
      for (const [i, s] of batch.entries()) {
        rawSubscribe(server, s.c, s.id, `cycle-public-${i % 3}`);
        rawSubscribe(server, s.c, s.id, `private-cycle-${i % 4}`);
        rawSubscribe(server, s.c, s.id, 'presence-cycle', { user_id: `user-${i % 5}`, user_info: { round } });
        rawSignin(server, s.c, s.id, { id: `user-${i}`, watchlist: ['user-1', 'user-2'] });
        s.c.send({ event: 'client-cycle', channel: 'presence-cycle', data: {} });
      }
      await Promise.all(batch.map((s) => s.c.event('pusher_internal:subscription_succeeded', 'presence-cycle')));
      // Half leave politely, half vanish.
      for (const [i, s] of batch.entries()) {
        if (i % 2 === 0) s.c.ws.close(1000);
        else s.c.close();
      }
      await Promise.all(batch.map((s) => s.c.closed));
      raws.splice(0);
    }
    await waitFor(async () => Object.keys(await channels()).length === 1, 5000, 'only the bystander channel left');
    expect(Object.keys(await channels())).toEqual(['bystander']);
    // Only the bystander pusher-js client is still connected.
    await waitFor(async () => (await metricValue(server, 'sockudo_connected')) === 1, 5000, 'sockudo_connected back to 1');
    const users = await apiClient(server).get({ path: '/channels/presence-cycle/users' });
    expect(((await users.json()) as { users: unknown[] }).users).toEqual([]);
    // The app's connection quota (20) is free again: 19 more sockets are admitted.
    const again = await Promise.all(Array.from({ length: 19 }, () => raw()));
    expect(again.every((s) => /^\d+\.\d+$/.test(s.id))).toBe(true);
  }, 60_000);

  it('kept serving the bystander pusher-js client through all of it', async () => {
    const got = nextEvent(bystanderChannel, 'still-there');
    await apiClient(server).trigger('bystander', 'still-there', { ok: true });
    expect(await got).toEqual({ ok: true });
    expect(stateChanges).toEqual([]);
  });

  it('keeps delivering while many subscribers close mid-stream (polite closes and resets)', async () => {
    // why: the app allows 20 sockets; free the ones the previous test left open.
    for (const r of raws.splice(0)) r.close();
    await waitFor(async () => (await metricValue(server, 'sockudo_connected')) === 1, 5000, 'only the bystander connected');
    const subscribers = await Promise.all(Array.from({ length: 12 }, () => raw()));
    for (const s of subscribers) rawSubscribe(server, s.c, s.id, 'stream');
    await Promise.all(subscribers.map((s) => s.c.event('pusher_internal:subscription_succeeded', 'stream')));
    const keeper = subscribers.pop()!;
    const publishing = (async () => {
      for (let i = 0; i < 30; i++) await apiClient(server).trigger('stream', 'tick', { i, pad: 'p'.repeat(2000) });
    })();
    subscribers.forEach((s, i) => setTimeout(() => (i % 2 === 0 ? s.c.ws.close(1000) : s.c.close()), i * 3));
    await publishing;
    await keeper.c.waitFrame(() => keeper.c.frames.filter((f) => f.event === 'tick').length === 30);
  });

  it('logged no error while handling any of the above', () => {
    const errors = server.logs.filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
    expect(errors).toEqual([]);
  });

  it('reports zero connections once every client is gone', async () => {
    for (const r of raws.splice(0)) r.close();
    bystander.disconnect();
    await waitFor(async () => (await metricValue(server, 'sockudo_connected')) === 0, 5000, 'sockudo_connected back to 0');
    await waitFor(async () => Object.keys(await channels()).length === 0, 5000, 'no channels');
  });
});
