import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NATS_SERVER_BINARY,
  binariesPresent,
  REDIS,
  apiCall,
  apiClient,
  nextEvent,
  pusherClient,
  servicesUp,
  startCluster,
  startNatsServer,
  subscribed,
  waitFor,
  type ChildService,
  type PusherClient,
  type TestCluster,
} from '../kit/index.js';

const up = (await servicesUp('cluster fault: NATS restart', REDIS)) && binariesPresent('cluster fault: NATS restart', NATS_SERVER_BINARY);

describe.skipIf(!up)('cluster fault: NATS restarted', () => {
  let nats: ChildService;
  let cluster: TestCluster;
  const clients: PusherClient[] = [];
  beforeAll(async () => {
    nats = await startNatsServer();
    cluster = await startCluster({ bus: 'nats', natsUrl: `nats://127.0.0.1:${nats.port}` });
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await cluster?.stop();
    await nats?.kill();
  });

  it('answers 503 while NATS is down, then reconnects and resubscribes: delivery resumes with no restart', async () => {
    const channel = 'presence-feed';
    const ann = pusherClient(cluster.gateway(0), { channelData: () => ({ user_id: 'ann' }) });
    const bob = pusherClient(cluster.gateway(1), { channelData: () => ({ user_id: 'bob' }) });
    clients.push(ann, bob);
    const annChannel = await subscribed(ann, channel);
    const bobChannel = await subscribed(bob, channel);
    const api = apiClient(cluster.apiEndpoint);

    await nats.kill('SIGKILL');
    await waitFor(async () => (await apiCall(() => api.trigger(channel, 'lost', {}))).status === 503, 3000, 'a 503 from the api');
    const down = await apiCall(() => api.trigger(channel, 'lost', {}));
    // the refusal is the bus's own "unreachable, reconnecting" answer, not a publish that waited and timed out
    expect(down.body.error).toMatch(/NATS is unreachable/);

    await nats.start();
    // NATS core is at-most-once: until every process has reconnected, a publish may miss a node, so the
    // api publishes until both gateways deliver again.
    const atAnn: unknown[] = [];
    const atBob: unknown[] = [];
    annChannel.bind('back', (d: unknown) => atAnn.push(d));
    bobChannel.bind('back', (d: unknown) => atBob.push(d));
    let n = 0;
    await waitFor(
      async () => {
        await apiCall(() => api.trigger(channel, 'back', { n: ++n }));
        await new Promise((r) => setTimeout(r, 100));
        return atAnn.length > 0 && atBob.length > 0;
      },
      15_000,
      'delivery on both gateways after the restart',
    );
    expect([atAnn.at(-1), atBob.at(-1)]).toEqual([{ n: expect.any(Number) }, { n: expect.any(Number) }]);
    for (const s of [...cluster.gateways, cluster.api, cluster.presence]) expect(s.running).toBe(true);

    // presence events flow again too: a newcomer on gateway 1 is announced to ann on gateway 0. Each process
    // reconnects on its own schedule: a join the presence service accepts before its own NATS connection is
    // back is announced once it is.
    const added = nextEvent<{ id: string }>(annChannel, 'pusher:member_added', 10_000);
    const carol = pusherClient(cluster.gateway(1), { channelData: () => ({ user_id: 'carol' }) });
    clients.push(carol);
    await subscribed(carol, channel);
    expect((await added).id).toBe('carol');
  });
});
