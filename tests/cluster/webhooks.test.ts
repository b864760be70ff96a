import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NATS,
  REDIS,
  newApp,
  pusherClient,
  servicesUp,
  startCluster,
  sleep,
  subscribed,
  waitFor,
  type PusherClient,
  type TestCluster,
} from '../kit/index.js';
import { event, startWebhookReceiver, type WebhookReceiver } from '../kit/webhooks.js';

const up = await servicesUp('cluster: webhooks', NATS, REDIS);

describe.skipIf(!up)('cluster: webhooks from presence and gateways, delivered by the webhook service', () => {
  let receiver: WebhookReceiver;
  let cluster: TestCluster;
  const clients: PusherClient[] = [];
  beforeAll(async () => {
    const app = newApp({ enable_client_messages: true });
    receiver = await startWebhookReceiver([app]);
    const types = ['channel_occupied', 'channel_vacated', 'member_added', 'member_removed', 'client_event'];
    cluster = await startCluster({
      app: { ...app, webhooks: [{ url: receiver.url(), event_types: types, headers: {} }] },
      webhookWorker: true,
      config: { webhooks: { vacate_delay_ms: 0 } },
    });
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await cluster?.stop();
    await receiver?.close();
  });

  it('sends occupied / member / client_event / vacated webhooks once, cluster-wide, signed for the app', async () => {
    const channel = 'presence-hooks';
    const ann = pusherClient(cluster.gateway(0), { channelData: () => ({ user_id: 'ann' }) });
    const bob = pusherClient(cluster.gateway(1), { channelData: () => ({ user_id: 'bob' }) });
    clients.push(ann, bob);
    await subscribed(ann, channel);
    const bobChannel = await subscribed(bob, channel);
    bobChannel.trigger('client-wave', { hi: 1 });
    await receiver.waitAccepted(event('client_event', channel, 'bob'));
    ann.disconnect();
    bob.disconnect();
    // why: webhooks of one app are not ordered across processes (presence sends the member events, gateways the
    // client event) nor past the per-app concurrency cap; wait for every expected event, then check each came once.
    const all = (): string[] => receiver.accepted().filter((e) => e.channel === channel).map((e) => `${e.name}${e.user_id ? ` ${e.user_id}` : ''}`);
    const expected = ['channel_occupied', 'channel_vacated', 'member_added ann', 'member_added bob', 'member_removed ann', 'member_removed bob'];
    await waitFor(() => expected.every((name) => all().includes(name)), 30_000, `webhooks ${expected.join(', ')}`);
    await sleep(500);
    const names = all();
    expect(names.filter((n) => n === 'channel_occupied')).toHaveLength(1);
    expect(names.filter((n) => n === 'channel_vacated')).toHaveLength(1);
    expect(names.filter((n) => n.startsWith('member_added')).sort()).toEqual(['member_added ann', 'member_added bob']);
    expect(names.filter((n) => n.startsWith('member_removed')).sort()).toEqual(['member_removed ann', 'member_removed bob']);
    expect(receiver.accepted().find((e) => e.name === 'client_event')).toMatchObject({ event: 'client-wave', data: '{"hi":1}', user_id: 'bob' });
    expect(receiver.invalid()).toEqual([]);
  });
});
