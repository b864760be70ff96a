import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NATS,
  REDIS,
  apiClient,
  bystanderCheck,
  connected,
  errorOf,
  pusherClient,
  rawClient,
  servicesUp,
  startCluster,
  subscribed,
  uniquePrefix,
  type PusherClient,
  type RawClient,
  type TestCluster,
} from '../kit/index.js';
import { signedRequest } from '../kit/http.js';

const up = await servicesUp('cluster rate limiter suite', NATS, REDIS);

// The Redis rate limiter holds its limits cluster-wide (issue 14 §2): connects from one address are counted
// across both gateways, and HTTP API requests at the api, while a bystander on another address keeps receiving.

describe.skipIf(!up)('cluster: the redis rate limiter across two gateways', () => {
  let cluster: TestCluster;
  let bystander: PusherClient;
  const raws: RawClient[] = [];

  beforeAll(async () => {
    cluster = await startCluster({
      gateways: 2,
      config: {
        rate_limiter: {
          enabled: true,
          driver: 'redis',
          redis: { prefix: `${uniquePrefix('rl')}:` },
          api_rate_limit: { max_requests: 4, window_seconds: 60, trust_hops: 1 },
          websocket_rate_limit: { max_requests: 3, window_seconds: 60, trust_hops: 1, max_connections_per_ip: 2 },
        },
      },
    });
    bystander = pusherClient(cluster.gateway(1));
    await connected(bystander);
    await subscribed(bystander, 'bystander');
  }, 120_000);
  afterAll(async () => {
    bystander?.disconnect();
    for (const r of raws) r.close();
    await cluster?.stop();
  });

  const bystanderStillReceives = bystanderCheck(() => bystander, (n) => apiClient(cluster.apiEndpoint).trigger('bystander', 'tick', { n }).then(() => undefined));

  it('counts one address\'s open sockets and connects on both gateways together, refusing with 4100', async () => {
    const from = async (gateway: number): Promise<RawClient> => {
      const c = await rawClient(cluster.gateway(gateway), undefined, { 'x-forwarded-for': '198.51.100.77' });
      raws.push(c);
      return c;
    };
    const first = await from(0);
    const second = await from(1);
    for (const c of [first, second]) await c.socketId();
    // Two open sockets, one on each gateway: a third is over max_connections_per_ip cluster-wide, although
    // the gateway it reaches holds only one.
    const third = await from(0);
    expect((await third.closed).code).toBe(4100);
    expect(errorOf(third.frames.find((f) => f.event === 'pusher:error')!).message).toBe('Too many open connections from your address');
    // Closing one frees a slot, but that was the third connect of the window: the fourth is over the rate.
    first.close();
    const fourth = await from(1);
    expect((await fourth.closed).code).toBe(4100);
    expect(errorOf(fourth.frames.find((f) => f.event === 'pusher:error')!).message).toMatch(/Too many connections from your address/);
    await bystanderStillReceives();
  });

  it('answers the api\'s requests past the limit with 429 and Retry-After', async () => {
    const statuses: number[] = [];
    let retryAfter: string | string[] | undefined;
    for (let i = 0; i < 6; i++) {
      const res = await signedRequest(cluster.apiEndpoint, { path: '/channels', headers: { 'x-forwarded-for': '198.51.100.78' } });
      statuses.push(res.status);
      retryAfter ??= res.headers['retry-after'];
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    await bystanderStillReceives();
  });
});
