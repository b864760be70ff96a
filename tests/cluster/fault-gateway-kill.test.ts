import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NATS,
  REDIS,
  apiCall,
  apiClient,
  nextEvent,
  pusherClient,
  servicesUp,
  startCluster,
  subscribed,
  waitFor,
  type PusherClient,
  type TestCluster,
} from '../kit/index.js';

const up = await servicesUp('cluster fault: gateway SIGKILL', NATS, REDIS);

describe.skipIf(!up)('cluster fault: a gateway killed with SIGKILL', () => {
  let cluster: TestCluster;
  const clients: PusherClient[] = [];
  beforeAll(async () => {
    cluster = await startCluster({ heartbeatIntervalMs: 300, nodeTimeoutMs: 1500 });
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await cluster?.stop();
  });

  it('removes its users from presence once its node times out; member_removed reaches the others', async () => {
    const channel = 'presence-lobby';
    const ann = pusherClient(cluster.gateway(0), { channelData: () => ({ user_id: 'ann' }) });
    const bob = pusherClient(cluster.gateway(1), { channelData: () => ({ user_id: 'bob' }) });
    const dan = pusherClient(cluster.gateway(1), { channelData: () => ({ user_id: 'dan' }) });
    clients.push(ann, bob, dan);
    const annChannel = await subscribed(ann, channel);
    await subscribed(bob, channel);
    await subscribed(dan, 'news');
    await subscribed(ann, 'news');
    const api = apiClient(cluster.apiEndpoint);
    const users = async (): Promise<string[]> =>
      (await apiCall(() => api.get({ path: `/channels/${channel}/users` }))).body.users.map((u: { id: string }) => u.id).sort();
    expect(await users()).toEqual(['ann', 'bob']);
    const news = async (): Promise<unknown> => (await apiCall(() => api.get({ path: '/channels/news', params: { info: 'subscription_count' } }))).body;
    expect(await news()).toEqual({ occupied: true, subscription_count: 2 });

    // why: the killed gateway says nothing; only the node timeout can remove bob. The wait is a hang guard.
    const removed = nextEvent<{ id: string }>(annChannel, 'pusher:member_removed', 30_000);
    await cluster.gateways[1]!.kill('SIGKILL');
    expect((await removed).id).toBe('bob');
    expect(await users()).toEqual(['ann']);
    expect(await news()).toEqual({ occupied: true, subscription_count: 1 });
  });
});
