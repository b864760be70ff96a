import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NATS,
  REDIS,
  apiCall,
  apiClient,
  nextEvent,
  pusherClient,
  rawClient,
  servicesUp,
  startCluster,
  subscribed,
  waitFor,
  type PusherClient,
  type TestCluster,
} from '../kit/index.js';

const up = await servicesUp('cluster fault: presence restart', NATS, REDIS);

describe.skipIf(!up)('cluster fault: the presence service restarted', () => {
  let cluster: TestCluster;
  const clients: PusherClient[] = [];
  beforeAll(async () => {
    cluster = await startCluster({ heartbeatIntervalMs: 300, nodeTimeoutMs: 3000 });
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await cluster?.stop();
  });

  it('answers clearly while it is down and loses nothing: members stay, a leave during the outage is applied', async () => {
    const channel = 'presence-ops';
    const ann = pusherClient(cluster.gateway(0), { channelData: () => ({ user_id: 'ann' }) });
    const bob = pusherClient(cluster.gateway(1), { channelData: () => ({ user_id: 'bob' }) });
    clients.push(ann, bob);
    const annChannel = await subscribed(ann, channel);
    const bobChannel = await subscribed(bob, channel);
    const api = apiClient(cluster.apiEndpoint);

    await cluster.presence.kill('SIGKILL');
    const down = await apiCall(() => api.get({ path: '/channels' }));
    expect(down.status).toBe(503);
    expect(down.body.error).toMatch(/presence/);
    const refused = await rawClient(cluster.gateway(0));
    expect(JSON.parse((await refused.event('pusher:error', undefined, 5000)).data!)).toMatchObject({ code: 4100, message: expect.stringMatching(/presence/) });
    expect((await refused.closed).code).toBe(4100);
    // fan-out does not need presence: an event still reaches both gateways
    const toBob = nextEvent(bobChannel, 'still-here');
    expect((await apiCall(() => api.trigger(channel, 'still-here', { ok: true }))).status).toBe(200);
    expect(await toBob).toEqual({ ok: true });
    // bob leaves while presence is down: the gateway cannot tell presence now, so it re-registers later
    bob.disconnect();
    await new Promise((r) => setTimeout(r, 300));

    const removed = nextEvent<{ id: string }>(annChannel, 'pusher:member_removed', 8000);
    await cluster.presence.start();
    expect((await removed).id).toBe('bob');
    // the api's gRPC channel reconnects within its back-off (at most 1 s); until then it answers 503
    await waitFor(async () => (await apiCall(() => api.get({ path: '/channels' }))).status === 200, 3000, 'api answers again');
    const users = await apiCall(() => api.get({ path: `/channels/${channel}/users` }));
    expect(users.body).toEqual({ users: [{ id: 'ann' }] });

    const carol = pusherClient(cluster.gateway(1), { channelData: () => ({ user_id: 'carol' }) });
    clients.push(carol);
    const added = nextEvent<{ id: string }>(annChannel, 'pusher:member_added');
    await subscribed(carol, channel);
    expect((await added).id).toBe('carol');
  });
});
