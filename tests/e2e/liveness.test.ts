import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connected, errorOf, pusherClient, rawClient, reachesState, startServer, waitFor, type PusherClient, type RawClient, type TestServer } from '../kit/index.js';

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
    // why: long waits are hang guards only; that the ping needs silence and the close an unanswered ping is
    // shown by order here and by the two tests below (a socket that answers, or keeps sending, stays open).
    const ping = await c.event('pusher:ping', undefined, 30_000);
    expect(ping.data).toBe('{}');
    const closed = await c.closed;
    expect(closed.code).toBe(4201);
    const events = c.frames.map((f) => f.event);
    expect(events.indexOf('pusher:ping')).toBeGreaterThan(events.indexOf('pusher:connection_established'));
    expect(events.lastIndexOf('pusher:error')).toBeGreaterThan(events.indexOf('pusher:ping'));
    expect(errorOf(c.frames.findLast((f) => f.event === 'pusher:error')!).code).toBe(4201);
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
    // Three ping/pong exchanges, each after an activity timeout of silence, must keep the socket alive.
    // why: wait for the exchanges themselves, not for a span of time; a drop would show in between.
    let exchanges = 0;
    client.connection.bind('message', (m: { event: string }) => {
      if (m.event === 'pusher:pong' || m.event === 'pusher:ping') exchanges++;
    });
    await waitFor(() => exchanges >= 3, 30_000, 'three ping/pong exchanges');
    expect(changes).toEqual([]);
    expect(client.connection.socket_id).toBe(socketId);
    await reachesState(client, 'connected');
  });
});
