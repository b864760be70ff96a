import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiClient,
  connected,
  metricValue,
  newApp,
  nextEvent,
  pusherClient,
  rawClient,
  startServer,
  subscribed,
  waitFor,
  type PusherClient,
  type RawClient,
  type TestApp,
  type TestServer,
} from '../kit/index.js';
import { event, startWebhookReceiver, type WebhookReceiver } from '../kit/webhooks.js';

// Webhooks stay fair and bounded when one tenant's receiver hangs (issue 14 §3), on the embedded server:
// the hanging tenant holds at most its own share of delivery slots, its backlog is capped (dead letters,
// counted), its endpoint's circuit opens, and another tenant's webhooks and a bystander's pusher-js events
// keep flowing. Every event carries an id that stays the same across retries.

describe('webhooks: one tenant whose receiver hangs cannot stall the others', () => {
  let server: TestServer;
  let receiver: WebhookReceiver;
  let bystander: PusherClient;
  const hog: TestApp = newApp();
  const good: TestApp = newApp();
  const flaky: TestApp = newApp();
  const raws: RawClient[] = [];
  const held: Array<() => void> = [];

  beforeAll(async () => {
    receiver = await startWebhookReceiver([hog, good, flaky]);
    receiver.onHold = (release) => held.push(release);
    let flakyCalls = 0;
    receiver.respond = (path) => {
      if (path === '/hog') return 0; // never answers
      if (path === '/flaky') return flakyCalls++ === 0 ? 500 : 200;
      return 200;
    };
    const hook = (path: string) => [{ url: receiver.url(path), event_types: ['channel_occupied'] }];
    server = await startServer({
      app: { ...good, webhooks: hook('/good') },
      extraApps: [
        { ...hog, webhooks: hook('/hog') },
        { ...flaky, webhooks: hook('/flaky') },
      ],
      config: {
        queue: { redis: { concurrency: 5 } },
        webhooks: {
          // why: long enough that a held request never times out during the test: without the per-app cap
          // the hog's requests would hold all 5 delivery slots for its whole run.
          timeout_ms: 60_000,
          max_concurrent_per_app: 2,
          max_queued_per_app: 10,
          retry: { base_delay_ms: 50, max_delay_ms: 200, max_elapsed_ms: 60_000 },
        },
      },
    });
    bystander = pusherClient(server);
    await connected(bystander);
    await subscribed(bystander, 'bystander');
  });
  afterAll(async () => {
    bystander?.disconnect();
    for (const r of raws) r.close();
    for (const release of held) release();
    await server?.stop();
    await receiver?.close();
  });

  const occupy = async (app: TestApp, prefix: string, count: number): Promise<void> => {
    const c = await rawClient({ ...server, app });
    raws.push(c);
    await c.socketId();
    for (let i = 0; i < count; i++) c.send({ event: 'pusher:subscribe', data: { channel: `${prefix}${i}` } });
    await c.event('pusher_internal:subscription_succeeded', `${prefix}${count - 1}`, 10_000);
  };

  it('delivers another app\'s webhooks while the hog holds only its share of the slots, and caps the hog\'s backlog', async () => {
    await occupy(hog, 'hog-', 40);
    await waitFor(() => receiver.requests.filter((r) => r.path === '/hog').length === 2, 10_000, 'the hog to hold its two slots');
    await occupy(good, 'good-', 3);
    await receiver.waitAccepted((e) => e.name === 'channel_occupied' && e.channel.startsWith('good-'), 3, 15_000, '/good');
    // The hog never got more than its two requests in flight, however much it queued.
    expect(receiver.requests.filter((r) => r.path === '/hog')).toHaveLength(2);
    // Its backlog stopped at max_queued_per_app: the rest are dead letters, counted.
    await waitFor(async () => (await metricValue(server, 'sockudo_webhooks_dropped_total')) > 0, 10_000, 'drops to be counted');
    const letters = (await (await apiClient(server, hog).get({ path: '/webhooks/dead_letters' })).json()) as { dead_letters: unknown[] };
    expect(letters.dead_letters.length).toBeGreaterThan(0);
    expect(await metricValue(server, 'sockudo_webhook_deferred_total')).toBeGreaterThan(0);
    // The bystander's own events are unaffected.
    const got = nextEvent<{ ok: boolean }>(bystander.channel('bystander') as never, 'tick');
    await apiClient(server).trigger('bystander', 'tick', { ok: true });
    expect(await got).toEqual({ ok: true });
  });

  it('gives every event an id that a retry repeats, so receivers can drop duplicates', async () => {
    await occupy(flaky, 'flaky-', 1);
    await receiver.waitAccepted(event('channel_occupied', 'flaky-0'), 1, 10_000, '/flaky');
    const tries = receiver.requests.filter((r) => r.path === '/flaky');
    expect(tries.map((r) => r.status)).toEqual([500, 200]);
    const [first, second] = tries.map((r) => r.ids[0]);
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(second).toBe(first);
    const goodIds = receiver.requests.filter((r) => r.path === '/good').flatMap((r) => r.ids);
    expect(new Set(goodIds).size).toBe(goodIds.length);
  });
});
