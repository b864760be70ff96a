import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NATS,
  REDIS,
  apiClient,
  bystanderCheck,
  connected,
  errorOf,
  framesUntilPong,
  pusherClient,
  rawClient,
  servicesUp,
  startCluster,
  subscribed,
  waitFor,
  type PusherClient,
  type RawClient,
  type TestCluster,
} from '../kit/index.js';

const up = await servicesUp('cluster socket abuse suite', NATS, REDIS);

// The per-socket defences of issue 14 §1 in the distributed shape: the subscription cap holds on a gateway
// whose subscriptions cost NATS interest and presence calls, a frame flood is cut with 4100, and everything the
// attacker joined is left cluster-wide, while a bystander on the other gateway keeps receiving.

describe.skipIf(!up)('cluster: one socket cannot exhaust a gateway', () => {
  let cluster: TestCluster;
  let bystander: PusherClient;
  const raws: RawClient[] = [];

  beforeAll(async () => {
    cluster = await startCluster({ gateways: 2, app: { max_subscriptions_per_connection: 20 } });
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
  const occupied = async (prefix: string): Promise<number> => {
    const res = await apiClient(cluster.apiEndpoint).get({ path: '/channels', params: { filter_by_prefix: prefix } });
    return Object.keys(((await res.json()) as { channels: object }).channels).length;
  };

  it('caps subscriptions per socket and, when the flooding socket is cut, leaves every channel it held', async () => {
    const c = await rawClient(cluster.gateway(0));
    raws.push(c);
    await c.socketId();
    for (let i = 0; i < 30; i++) c.send({ event: 'pusher:subscribe', data: { channel: `hoard-${i}` } });
    const answers = await framesUntilPong(c, 15_000);
    expect(answers.filter((f) => f.event === 'pusher_internal:subscription_succeeded')).toHaveLength(20);
    expect(answers.filter((f) => f.event === 'pusher:error').map((f) => errorOf(f).code)).toEqual(Array(10).fill(4300));
    expect(await occupied('hoard-')).toBe(20);
    await bystanderStillReceives();

    // Now flood: far past the frame burst; the gateway cuts the socket and its 20 channels are vacated.
    for (let i = 0; i < 3000; i++) c.send('{"event":"pusher:ping","data":{}}');
    expect((await c.closed).code).toBe(4100);
    await waitFor(async () => (await occupied('hoard-')) === 0, 15_000, 'the attacker\'s channels to be left');
    await bystanderStillReceives();
  });
});
