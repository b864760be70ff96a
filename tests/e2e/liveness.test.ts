import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connected, pusherClient, rawClient, reachesState, startServer, type PusherClient, type RawClient, type TestServer } from '../kit/index.js';

describe('liveness: ping/pong, server pings after activity_timeout, 4201 after pong_timeout', () => {
  let server: TestServer;
  const raws: RawClient[] = [];
  const clients: PusherClient[] = [];
  const raw = async (): Promise<RawClient> => {
    const c = await rawClient(server);
    raws.push(c);
    await c.socketId();
    return c;
  };
  beforeAll(async () => {
    server = await startServer({ config: { activity_timeout: 1, pong_timeout: 1 } });
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    for (const r of raws) r.close();
    await server.stop();
  });

  it('answers pusher:ping with pusher:pong carrying {}', async () => {
    const c = await raw();
    c.send({ event: 'pusher:ping', data: {} });
    const pong = await c.event('pusher:pong');
    expect(pong).toEqual({ event: 'pusher:pong', data: '{}' });
  });

  it('answers a pusher:ping whose data is a string or missing', async () => {
    const c = await raw();
    c.send({ event: 'pusher:ping', data: '{}' });
    c.send({ event: 'pusher:ping' });
    await c.waitFrame(() => c.frames.filter((f) => f.event === 'pusher:pong').length === 2);
  });

  it('answers WebSocket ping frames with pong frames', async () => {
    const c = await raw();
    const pong = new Promise<string>((resolve) => c.ws.once('pong', (data) => resolve(String(data))));
    c.ws.ping('are-you-there');
    expect(await pong).toBe('are-you-there');
  });

  it('sends pusher:ping after activity_timeout of silence and closes with 4201 when nothing answers', async () => {
    const c = await raw();
    const started = Date.now();
    const ping = await c.event('pusher:ping', undefined, 4000);
    expect(ping.data).toBe('{}');
    const pingAt = Date.now();
    expect(pingAt - started).toBeGreaterThanOrEqual(900);
    const closed = await c.closed;
    expect(closed.code).toBe(4201);
    // pong_timeout is 1 s, checked once a second: the close comes 1..2.5 s after the ping.
    expect(Date.now() - pingAt).toBeGreaterThanOrEqual(900);
    expect(Date.now() - pingAt).toBeLessThan(3000);
    expect(c.frames.map((f) => f.event)).toContain('pusher:error');
  });

  it('keeps a socket that answers every server ping with pusher:pong', async () => {
    const c = await raw();
    let pings = 0;
    c.ws.on('message', (data) => {
      if ((JSON.parse(String(data)) as { event: string }).event === 'pusher:ping') {
        pings++;
        c.send({ event: 'pusher:pong', data: {} });
      }
    });
    await c.waitFrame(() => pings >= 2, 10_000);
    expect(c.ws.readyState).toBe(c.ws.OPEN);
  });

  it('counts any client frame as activity: a socket that keeps sending is never pinged', async () => {
    const c = await raw();
    const timer = setInterval(() => c.send({ event: 'pusher:ping', data: {} }), 300);
    try {
      await c.waitFrame(() => c.frames.filter((f) => f.event === 'pusher:pong').length >= 10, 6000);
    } finally {
      clearInterval(timer);
    }
    expect(c.frames.some((f) => f.event === 'pusher:ping')).toBe(false);
    expect(c.ws.readyState).toBe(c.ws.OPEN);
  });

  it('keeps an idle pusher-js client connected across several activity timeouts', async () => {
    const client = pusherClient(server);
    clients.push(client);
    const socketId = await connected(client);
    const changes: string[] = [];
    client.connection.bind('state_change', (s: { current: string }) => changes.push(s.current));
    // Three activity timeouts pass: the pusher-js ping/pong exchange must keep the socket alive.
    await new Promise((r) => setTimeout(r, 3500));
    expect(changes).toEqual([]);
    expect(client.connection.socket_id).toBe(socketId);
    await reachesState(client, 'connected');
  });
});
