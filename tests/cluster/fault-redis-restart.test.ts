import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  REDIS_SERVER_BINARY,
  binariesPresent,
  NATS,
  apiCall,
  apiClient,
  pusherClient,
  servicesUp,
  startCluster,
  startRedisServer,
  subscribed,
  waitFor,
  type ChildService,
  type PusherClient,
  type TestCluster,
} from '../kit/index.js';

const up = (await servicesUp('cluster fault: Redis restart', NATS)) && binariesPresent('cluster fault: Redis restart', REDIS_SERVER_BINARY);

describe.skipIf(!up)('cluster fault: Redis restarted (presence state lost)', () => {
  let redis: ChildService;
  let cluster: TestCluster;
  const clients: PusherClient[] = [];
  beforeAll(async () => {
    redis = await startRedisServer();
    cluster = await startCluster({ redisUrl: `redis://127.0.0.1:${redis.port}`, heartbeatIntervalMs: 300, nodeTimeoutMs: 3000 });
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await cluster?.stop();
    await redis?.kill();
  });

  it('answers 503 while Redis is down, then rebuilds presence from what the gateways hold', async () => {
    const channel = 'presence-desk';
    const ann = pusherClient(cluster.gateway(0), { channelData: () => ({ user_id: 'ann', user_info: { n: 1 } }) });
    const bob = pusherClient(cluster.gateway(1), { channelData: () => ({ user_id: 'bob' }) });
    clients.push(ann, bob);
    await subscribed(ann, channel);
    await subscribed(bob, channel);
    await subscribed(bob, 'news');
    const api = apiClient(cluster.apiEndpoint);
    const users = async () => apiCall(() => api.get({ path: `/channels/${channel}/users` }));
    expect((await users()).body.users).toHaveLength(2);

    await redis.kill('SIGKILL');
    const down = await users();
    expect(down.status).toBe(503);
    expect(down.body.error).toMatch(/Redis/);

    await redis.start();
    await waitFor(async () => (await users()).body.users?.length === 2, 10_000, 'both members back in presence');
    expect((await users()).body.users.map((u: { id: string }) => u.id).sort()).toEqual(['ann', 'bob']);
    const info = await apiCall(() => api.get({ path: '/channels', params: { info: 'subscription_count' } }));
    expect(info.body.channels).toEqual({ [channel]: { subscription_count: 2 }, news: { subscription_count: 1 } });
  });
});
