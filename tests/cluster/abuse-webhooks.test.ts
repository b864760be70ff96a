import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NATS,
  REDIS,
  apiClient,
  connected,
  newApp,
  nextEvent,
  pusherClient,
  rawClient,
  servicesUp,
  startCluster,
  subscribed,
  waitFor,
  type PusherClient,
  type RawClient,
  type TestApp,
  type TestCluster,
} from '../kit/index.js';
import { startWebhookReceiver, type WebhookReceiver } from '../kit/webhooks.js';

const up = await servicesUp('cluster webhook fairness suite', NATS, REDIS);

// Webhook fairness on the distributed shape (issue 14 §3): the webhook service on the BullMQ queue keeps one
// tenant whose receiver hangs to its share of the delivery slots, and another tenant's webhooks still arrive.

describe.skipIf(!up)('cluster: one tenant whose receiver hangs cannot stall the webhook service', () => {
  let receiver: WebhookReceiver;
  let cluster: TestCluster;
  let bystander: PusherClient;
  const hog: TestApp = newApp();
  const good: TestApp = newApp();
  const raws: RawClient[] = [];
  const held: Array<() => void> = [];

  beforeAll(async () => {
    receiver = await startWebhookReceiver([hog, good]);
    receiver.onHold = (release) => held.push(release);
    receiver.respond = (path) => (path === '/hog' ? 0 : 200);
    const hook = (path: string) => [{ url: receiver.url(path), event_types: ['channel_occupied'], headers: {} }];
    cluster = await startCluster({
      gateways: 1,
      app: good,
      webhookWorker: true,
      config: {
        app_manager: { driver: 'memory', array: { apps: [{ ...good, webhooks: hook('/good') }, { ...hog, webhooks: hook('/hog') }] } },
        queue: { driver: 'redis', redis: { concurrency: 5 } },
        webhooks: { vacate_delay_ms: 0, timeout_ms: 60_000, max_concurrent_per_app: 2, retry: { base_delay_ms: 100, max_delay_ms: 500, max_elapsed_ms: 120_000 } },
      },
    });
    bystander = pusherClient(cluster.gateway(0));
    await connected(bystander);
    await subscribed(bystander, 'bystander');
  }, 120_000);
  afterAll(async () => {
    bystander?.disconnect();
    for (const r of raws) r.close();
    for (const release of held) release();
    await cluster?.stop();
    await receiver?.close();
  });

  it('delivers another app\'s webhooks while the hog holds only its two slots', async () => {
    const c = await rawClient({ ...cluster.gateway(0), app: hog });
    raws.push(c);
    await c.socketId();
    for (let i = 0; i < 30; i++) c.send({ event: 'pusher:subscribe', data: { channel: `hog-${i}` } });
    await c.event('pusher_internal:subscription_succeeded', 'hog-29', 15_000);
    await waitFor(() => receiver.requests.filter((r) => r.path === '/hog').length === 2, 20_000, 'the hog to hold its two slots');
    const g = pusherClient(cluster.gateway(0), { app: good });
    try {
      await connected(g);
      for (const ch of ['good-0', 'good-1', 'good-2']) await subscribed(g, ch);
      await receiver.waitAccepted((e) => e.name === 'channel_occupied' && e.channel.startsWith('good-'), 3, 30_000, '/good');
    } finally {
      g.disconnect();
    }
    expect(receiver.requests.filter((r) => r.path === '/hog')).toHaveLength(2);
    const got = nextEvent<{ ok: boolean }>(bystander.channel('bystander') as never, 'tick');
    await apiClient(cluster.apiEndpoint).trigger('bystander', 'tick', { ok: true });
    expect(await got).toEqual({ ok: true });
  });
});
