import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCall,
  apiClient,
  newApp,
  nextEvent,
  pusherClient,
  startCluster,
  subscribed,
  waitFor,
  type ClusterOptions,
  type PusherClient,
  type TestCluster,
} from '../kit/index.js';
import { event, startWebhookReceiver, type WebhookReceiver } from '../kit/webhooks.js';

/** BusUnderTest is a bus server a cluster scenario runs on, started by the test so that it can restart it. */
export interface BusUnderTest {
  /** options select the bus driver and where it is. */
  options: ClusterOptions;
  /** stopServer kills the bus's server (or one of its nodes); startServer brings it back on the same port. */
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
  /** unavailable matches the api's error text while the bus is down. */
  unavailable: RegExp;
  close(): Promise<void>;
}

/**
 * describeClusterScenarios runs the core cluster scenarios on one bus: an api publish and a client event across
 * two gateways, presence members across them, the webhooks of presence and client events, and a restart of the
 * bus's server in the middle after which delivery and presence events resume with no process restarted.
 */
export function describeClusterScenarios(name: string, openBus: () => Promise<BusUnderTest>): void {
  describe(`cluster scenarios on ${name}`, () => {
    let bus: BusUnderTest;
    let receiver: WebhookReceiver;
    let cluster: TestCluster;
    const clients: PusherClient[] = [];
    const client = (gateway: number, options: Parameters<typeof pusherClient>[1] = {}): PusherClient => {
      const c = pusherClient(cluster.gateway(gateway), options);
      clients.push(c);
      return c;
    };
    beforeAll(async () => {
      bus = await openBus();
      const app = newApp({ enable_client_messages: true });
      receiver = await startWebhookReceiver([app]);
      const types = ['channel_occupied', 'channel_vacated', 'member_added', 'member_removed', 'client_event'];
      cluster = await startCluster({
        ...bus.options,
        app: { ...app, webhooks: [{ url: receiver.url(), event_types: types, headers: {} }] },
        webhookWorker: true,
        config: { webhooks: { vacate_delay_ms: 0 } },
      });
    });
    afterAll(async () => {
      for (const c of clients) c.disconnect();
      await cluster?.stop();
      await receiver?.close();
      await bus?.close();
    });

    it('publishes across gateways, shows presence members on both and sends their webhooks', async () => {
      const channel = 'presence-lobby';
      const ann = client(0, { channelData: () => ({ user_id: 'ann' }) });
      const bob = client(1, { channelData: () => ({ user_id: 'bob' }) });
      const annChannel = await subscribed(ann, channel);
      const added = nextEvent<{ id: string }>(annChannel, 'pusher:member_added');
      const bobChannel = await subscribed(bob, channel);
      expect((await added).id).toBe('bob');

      const api = apiClient(cluster.apiEndpoint);
      const toAnn = nextEvent(annChannel, 'news');
      const toBob = nextEvent(bobChannel, 'news');
      await api.trigger(channel, 'news', { to: 'both' });
      expect([await toAnn, await toBob]).toEqual([{ to: 'both' }, { to: 'both' }]);

      const relayed = nextEvent(annChannel, 'client-wave');
      bobChannel.trigger('client-wave', { hi: 1 });
      expect(await relayed).toEqual({ hi: 1 });
      await receiver.waitAccepted(event('client_event', channel, 'bob'));

      const removed = nextEvent<{ id: string }>(annChannel, 'pusher:member_removed');
      bob.unsubscribe(channel);
      expect((await removed).id).toBe('bob');
      ann.unsubscribe(channel);
      for (const [name, user] of [['channel_occupied'], ['member_added', 'ann'], ['member_added', 'bob'], ['channel_vacated']] as const) {
        await receiver.waitAccepted(event(name, channel, user));
      }
      const names = receiver.accepted().filter((e) => e.channel === channel).map((e) => `${e.name}${e.user_id ? ` ${e.user_id}` : ''}`);
      expect(names.filter((n) => n === 'channel_occupied')).toHaveLength(1);
      expect(names.filter((n) => n.startsWith('member_added')).sort()).toEqual(['member_added ann', 'member_added bob']);
      expect(receiver.invalid()).toEqual([]);
    });

    it('answers 503 while the bus server is down, then delivery and presence events resume with no restart', async () => {
      const channel = 'presence-feed';
      const ann = client(0, { channelData: () => ({ user_id: 'ann' }) });
      const bob = client(1, { channelData: () => ({ user_id: 'bob' }) });
      const annChannel = await subscribed(ann, channel);
      const bobChannel = await subscribed(bob, channel);
      const api = apiClient(cluster.apiEndpoint);

      await bus.stopServer();
      // why: a Redis Cluster keeps serving sharded pub/sub on its live shards; a publish to 30 channels at once
      // reaches the stopped shard too.
      const many = [channel, ...Array.from({ length: 29 }, (_, i) => `spread-${i}`)];
      await waitFor(async () => (await apiCall(() => api.trigger(many, 'lost', {}))).status === 503, 15_000, 'a 503 from the api');
      const down = await apiCall(() => api.trigger(many, 'lost', {}));
      expect(down.body.error).toMatch(bus.unavailable);

      await bus.startServer();
      // why: pub/sub keeps nothing; until every process has resubscribed, a publish may miss a node.
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
        30_000,
        'delivery on both gateways after the restart',
      );
      for (const s of [...cluster.gateways, cluster.api, cluster.presence]) expect(s.running).toBe(true);

      const added = nextEvent<{ id: string }>(annChannel, 'pusher:member_added', 15_000);
      const carol = client(1, { channelData: () => ({ user_id: 'carol' }) });
      await subscribed(carol, channel);
      expect((await added).id).toBe('carol');
    });
  });
}
