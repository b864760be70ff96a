import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bystanderCheck,
  connected,
  errorOf,
  metricValue,
  newApp,
  pusherClient,
  rawClient,
  startServer,
  subscribed,
  type PusherClient,
  type RawClient,
  type TestServer,
  waitFor,
} from '../kit/index.js';
import { sendHeadersOnly, signedPath, signedRequest, type HalfSent, type HttpResult } from '../kit/http.js';

// The rate limiter (issue 14 §2), attacked for real on the embedded server: HTTP API requests per client
// address, WebSocket connects and concurrent sockets per address, backend events per app, X-Forwarded-For
// honoured only through the trusted hops, the signature checked before a body is read, and a cap on requests
// in flight. One trusted hop is configured, so each attack comes from its own forwarded address and the
// bystander (a pusher-js client, fed by its backend) keeps its own budget.

describe('rate limiter (memory driver, one trusted proxy hop)', () => {
  let server: TestServer;
  let bystander: PusherClient;
  const limited = newApp({ max_backend_events_per_second: 50 });
  const raws: RawClient[] = [];

  /** bystanderStillReceives publishes from the bystander's backend (its own forwarded address) and waits for delivery. */
  const bystanderStillReceives = bystanderCheck(
    () => bystander,
    async (n) => {
      const res = await signedRequest(server, { path: '/events', body: { name: 'tick', channel: 'bystander', data: JSON.stringify({ n }) }, headers: { 'x-forwarded-for': `10.9.0.${n}` } });
      expect(res.status).toBe(200);
    },
  );

  beforeAll(async () => {
    server = await startServer({
      extraApps: [limited],
      config: {
        http_api: { max_in_flight: 3 },
        rate_limiter: {
          enabled: true,
          driver: 'memory',
          api_rate_limit: { max_requests: 5, window_seconds: 60, trust_hops: 1 },
          websocket_rate_limit: { max_requests: 4, window_seconds: 60, trust_hops: 1, max_connections_per_ip: 2 },
        },
      },
    });
    bystander = pusherClient(server);
    await connected(bystander);
    await subscribed(bystander, 'bystander');
  });
  afterAll(async () => {
    bystander?.disconnect();
    for (const r of raws) r.close();
    await server?.stop();
  });

  const rawFrom = async (address: string): Promise<RawClient> => {
    const c = await rawClient(server, undefined, { 'x-forwarded-for': address });
    raws.push(c);
    return c;
  };

  it('answers HTTP API requests past the limit with 429, Retry-After and rate-limit headers', async () => {
    const results: HttpResult[] = [];
    for (let i = 0; i < 7; i++) results.push(await signedRequest(server, { path: '/channels', headers: { 'x-forwarded-for': '198.51.100.1' } }));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(results.map((r) => r.headers['x-ratelimit-remaining'])).toEqual(['4', '3', '2', '1', '0', '0', '0']);
    expect(results[0]!.headers['x-ratelimit-limit']).toBe('5');
    const refused = results[5]!;
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(refused.json).toEqual({ error: expect.stringMatching(/Too many requests/) });
    // Unsigned requests are counted too (before any app lookup or signature check).
    const unsigned = await signedRequest(server, { path: '/channels', secret: 'wrong', headers: { 'x-forwarded-for': '198.51.100.1' } });
    expect(unsigned.status).toBe(429);
    await bystanderStillReceives();
  });

  it('honours X-Forwarded-For only through the trusted hop: a client writing its own entries stays one address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await signedRequest(server, { path: '/channels', headers: { 'x-forwarded-for': `203.0.113.${i}, 198.51.100.2` } });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    await bystanderStillReceives();
  });

  it('refuses WebSocket connects past the per-address rate with 4100, and sockets past the per-address cap', async () => {
    // Concurrent cap: two open sockets from one address, the third refused; closing one frees its slot.
    const a = await rawFrom('198.51.100.3');
    const b = await rawFrom('198.51.100.3');
    await a.socketId();
    await b.socketId();
    const third = await rawFrom('198.51.100.3');
    expect((await third.closed).code).toBe(4100);
    expect(errorOf(third.frames.find((f) => f.event === 'pusher:error')!)).toEqual({ code: 4100, message: 'Too many open connections from your address' });
    a.close();
    // The bystander and b stay open; the slot is free once the server has seen a go.
    await waitFor(async () => (await metricValue(server, 'sockudo_connected')) === 2, 10_000, 'the server to see the close');
    const fourth = await rawFrom('198.51.100.3');
    await fourth.socketId();
    // Connect rate: that was the 4th connect of this address in the window; the 5th is refused whatever is open.
    b.close();
    fourth.close();
    const fifth = await rawFrom('198.51.100.3');
    expect((await fifth.closed).code).toBe(4100);
    expect(errorOf(fifth.frames.find((f) => f.event === 'pusher:error')!).message).toMatch(/^Too many connections from your address; retry in \d+ s$/);
    expect(await metricValue(server, 'sockudo_limited_total')).toBeGreaterThanOrEqual(2);
    expect(bystander.connection.state).toBe('connected');
    await bystanderStillReceives();
  });

  it('limits backend events per app per second (one per channel), refusing with 429', async () => {
    const channels = (n: number): string[] => Array.from({ length: n }, (_, i) => `ch-${i}`);
    const ok = await signedRequest(server, { app: limited, path: '/events', body: { name: 'e', channels: channels(10), data: 'x' }, headers: { 'x-forwarded-for': '198.51.100.4' } });
    expect(ok.status).toBe(200);
    const over = await signedRequest(server, { app: limited, path: '/events', body: { name: 'e', channels: channels(100), data: 'x' }, headers: { 'x-forwarded-for': '198.51.100.5' } });
    expect(over.status).toBe(429);
    expect(over.json).toEqual({ error: expect.stringMatching(/max_backend_events_per_second \(50\)/) });
    expect(Number(over.headers['retry-after'])).toBe(1);
    // Another app (no per-app limit) is not affected.
    await bystanderStillReceives();
  });

  it('checks the signature before reading a body: an unsigned body is refused without waiting for it', async () => {
    const body = JSON.stringify({ name: 'x', channel: 'c', data: 'y'.repeat(500_000) });
    const path = signedPath(server.app, 'POST', '/events', body).replace(/auth_signature=[0-9a-f]+/, `auth_signature=${'0'.repeat(64)}`);
    const half = await sendHeadersOnly(server, path, Buffer.byteLength(body), 'X-Forwarded-For: 198.51.100.6\r\n');
    const response = await half.response;
    half.socket.destroy();
    expect(response).toMatch(/^HTTP\/1.1 401/);
    await bystanderStillReceives();
  });

  it('answers 503 with Retry-After past http_api.max_in_flight requests, and serves again once they finish', async () => {
    // Signed requests whose bodies never finish arriving hold their slots.
    const body = JSON.stringify({ name: 'x', channel: 'c', data: 'slow' });
    const held: HalfSent[] = [];
    for (let i = 0; i < 3; i++) held.push(await sendHeadersOnly(server, signedPath(server.app, 'POST', '/events', body), Buffer.byteLength(body), `X-Forwarded-For: 198.51.100.${20 + i}\r\n`));
    const busy = await signedRequest(server, { path: '/channels', headers: { 'x-forwarded-for': '198.51.100.30' } });
    expect(busy.status).toBe(503);
    expect(busy.headers['retry-after']).toBe('1');
    expect(busy.json).toEqual({ error: expect.stringMatching(/too many requests in flight/) });
    for (const h of held) h.socket.destroy();
    for (const h of held) await h.response;
    // The slots are free once the held requests are gone.
    let served = 0;
    for (let i = 0; i < 50 && served === 0; i++) {
      const res = await signedRequest(server, { path: '/channels', headers: { 'x-forwarded-for': `198.51.101.${i}` } });
      if (res.status === 200) served++;
      else await new Promise((r) => setTimeout(r, 20));
    }
    expect(served).toBe(1);
    await bystanderStillReceives();
  });
});
