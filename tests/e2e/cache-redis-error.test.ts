import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  REDIS_SERVER_BINARY,
  apiClient,
  binariesPresent,
  rawClient,
  startRedisServer,
  startServer,
  waitFor,
  type ChildService,
  type RawClient,
  type TestServer,
} from '../kit/index.js';

const up = binariesPresent('cache channel Redis error suite', REDIS_SERVER_BINARY);

// A Redis error after subscription_succeeded on a cache channel must not strand the socket (issue 14 §6): the
// socket gets told the cache read failed, stays subscribed, and receives the channel's events once Redis is back.

describe.skipIf(!up)('cache channel whose Redis fails after subscription_succeeded', () => {
  let redis: ChildService;
  let server: TestServer;
  const raws: RawClient[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    server = await startServer({ config: { cache: { driver: 'redis' }, database: { redis: { url: `redis://127.0.0.1:${redis.port}`, key_prefix: 'cache-error-test:' } } } });
  });
  afterAll(async () => {
    for (const r of raws) r.close();
    await server?.stop();
    await redis?.kill('SIGTERM');
  });

  it('keeps the socket subscribed and delivers to it once Redis answers again', async () => {
    const c = await rawClient(server);
    raws.push(c);
    await c.socketId();
    await redis.kill('SIGKILL');
    c.send({ event: 'pusher:subscribe', data: { channel: 'cache-prices' } });
    await c.event('pusher_internal:subscription_succeeded', 'cache-prices', 10_000);
    const error = await c.event('pusher:error', undefined, 10_000);
    expect(JSON.parse(error.data!)).toEqual({ code: null, message: expect.stringMatching(/temporarily unavailable \(redis\)/) });

    await redis.start();
    const sdk = apiClient(server);
    // The publish stores the event in the (cache) Redis first: it succeeds once the server's client reconnected.
    await waitFor(async () => sdk.trigger('cache-prices', 'tick', { price: 42 }).then(() => true, () => false), 20_000, 'a publish to succeed');
    const tick = await c.event('tick', 'cache-prices', 10_000);
    expect(JSON.parse(tick.data!)).toEqual({ price: 42 });
  });
});
