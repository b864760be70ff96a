import { afterEach, describe, expect, it } from 'vitest';
import type { WebhookConfig } from '@sockudo-ts/shared';
import {
  apiClient,
  connected,
  newApp,
  pusherClient,
  sleep,
  startServer,
  subscribed,
  waitFor,
  type ClientOptions,
  type PusherClient,
  type TestApp,
  type TestServer,
} from '../kit/index.js';
import { event, startWebhookReceiver, type WebhookReceiver } from '../kit/webhooks.js';

const ALL_EVENTS = ['channel_occupied', 'channel_vacated', 'member_added', 'member_removed', 'client_event', 'cache_miss', 'subscription_count'];

/** fast webhook settings: short vacate delay and retries in tens of ms. */
const fastWebhooks = (extra: Record<string, unknown> = {}) => ({
  vacate_delay_ms: 300,
  timeout_ms: 2000,
  retry: { base_delay_ms: 50, max_delay_ms: 400, max_elapsed_ms: 30_000 },
  // why: an endpoint's circuit opens after 5 failures; a short cooldown lets these tests see recovery soon.
  circuit_breaker: { cooldown_ms: 500 },
  ...extra,
});

/**
 * deliveredOnce waits until the server has counted one delivered webhook for its app and holds no webhook job
 * waiting or delayed: the worker has decided the job is done, so a retry or a second send would already be
 * queued. why: an ordering barrier before checking that nothing more arrives, instead of a sleep.
 */
async function deliveredOnce(server: TestServer): Promise<void> {
  const delivered = `sockudo_webhook_deliveries_total{app_id="${server.app.id}",outcome="delivered"} 1`;
  await waitFor(
    async () => {
      const lines = (await (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).text()).split('\n');
      return lines.includes(delivered) && lines.includes('sockudo_webhook_queue_depth 0');
    },
    10_000,
    'one delivery counted and no webhook job left',
  );
}

describe('webhooks (embedded): signed, filtered, delayed, retried', () => {
  let server: TestServer | undefined;
  let receiver: WebhookReceiver | undefined;
  const clients: PusherClient[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    await server?.stop();
    await receiver?.close();
    server = undefined;
    receiver = undefined;
  });

  /** setUp starts a receiver, then a server whose first app (and extra apps) post to it. */
  async function setUp(
    endpoints: (r: WebhookReceiver) => WebhookConfig[],
    webhooks: Record<string, unknown> = {},
    extraApps: (r: WebhookReceiver) => TestApp[] = () => [],
  ): Promise<{ server: TestServer; receiver: WebhookReceiver; app: TestApp }> {
    const app = newApp({ enable_client_messages: true, enable_subscription_count_events: true });
    receiver = await startWebhookReceiver([app]);
    const extra = extraApps(receiver);
    for (const e of extra) receiver.addApp(e);
    server = await startServer({ app: { ...app, webhooks: endpoints(receiver) }, extraApps: extra, config: { webhooks: fastWebhooks(webhooks) } });
    return { server, receiver, app: server.app };
  }

  function client(options: ClientOptions = {}): PusherClient {
    const c = pusherClient(server!, options);
    clients.push(c);
    return c;
  }

  const member = (id: string): ClientOptions => ({ channelData: () => ({ user_id: id, user_info: { name: id } }) });

  it('sends every event type from real pusher-js activity, each request valid for the pusher SDK', async () => {
    const { receiver: r } = await setUp((rc) => [{ url: rc.url(), event_types: ALL_EVENTS }]);
    const a = client(member('u1'));
    const b = client(member('u2'));
    await connected(a);
    const socketB = await connected(b);

    await subscribed(a, 'presence-room');
    await r.waitAccepted(event('channel_occupied', 'presence-room'));
    await r.waitAccepted(event('member_added', 'presence-room', 'u1'));
    const roomB = await subscribed(b, 'presence-room');
    await r.waitAccepted(event('member_added', 'presence-room', 'u2'));

    roomB.trigger('client-typing', { text: 'hé "quoted"' });
    const [clientEvent] = await r.waitAccepted(event('client_event', 'presence-room'));
    expect(clientEvent).toEqual({
      name: 'client_event',
      channel: 'presence-room',
      event: 'client-typing',
      data: JSON.stringify({ text: 'hé "quoted"' }),
      socket_id: socketB,
      user_id: 'u2',
    });

    await subscribed(a, 'counted');
    const [count] = await r.waitAccepted(event('subscription_count', 'counted'));
    expect(count).toEqual({ name: 'subscription_count', channel: 'counted', subscription_count: 1 });

    await subscribed(a, 'cache-news');
    await subscribed(b, 'cache-news');
    await r.waitAccepted(event('cache_miss', 'cache-news'));

    b.unsubscribe('presence-room');
    await r.waitAccepted(event('member_removed', 'presence-room', 'u2'));
    a.unsubscribe('presence-room');
    await r.waitAccepted(event('member_removed', 'presence-room', 'u1'));
    const [vacated] = await r.waitAccepted(event('channel_vacated', 'presence-room'));
    expect(vacated).toEqual({ name: 'channel_vacated', channel: 'presence-room' });

    // why: the vacated above was caused after the cache-news subscriptions and held 300 ms: a second cache_miss
    // would have come before it, so no wait is needed here.
    expect(r.accepted().filter(event('cache_miss', 'cache-news'))).toHaveLength(1);
    expect(r.accepted().filter(event('channel_occupied', 'presence-room'))).toHaveLength(1);
    expect(r.requests.length).toBeGreaterThan(0);
    expect(r.invalid()).toEqual([]);
    for (const req of r.requests) {
      expect(req.headers['content-type']).toBe('application/json');
      expect(req.headers['x-pusher-key']).toBe(server!.app.key);
      expect(req.headers['x-pusher-signature']).toMatch(/^[0-9a-f]{64}$/);
      expect(Math.abs(req.timeMs! - req.at)).toBeLessThan(5000);
    }
    const metrics = await (await fetch(`http://127.0.0.1:${server!.metricsPort}/metrics`)).text();
    expect(metrics).toContain(`sockudo_webhook_deliveries_total{app_id="${server!.app.id}",outcome="delivered"}`);
    expect(metrics).toContain(`sockudo_webhook_delivery_duration_seconds_count{app_id="${server!.app.id}"}`);
    expect(metrics).toMatch(/sockudo_webhook_queue_depth \d+/);
    expect(metrics).toContain('sockudo_webhook_dead_letters 0');
  });

  it('holds channel_vacated and member_removed for the delay, and drops them when the channel or member comes back', async () => {
    const { receiver: r } = await setUp((rc) => [{ url: rc.url(), event_types: ALL_EVENTS }], { vacate_delay_ms: 1000 });
    const a = client(member('u1'));
    await connected(a);

    await subscribed(a, 'delayed');
    await r.waitAccepted(event('channel_occupied', 'delayed'));
    const left = Date.now();
    a.unsubscribe('delayed');
    await r.waitAccepted(event('channel_vacated', 'delayed'), 1, 5000);
    const vacatedAt = r.requests.find((q) => q.events.some(event('channel_vacated', 'delayed')))!.at;
    expect(vacatedAt - left).toBeGreaterThanOrEqual(900);

    await subscribed(a, 'presence-back');
    await r.waitAccepted(event('member_added', 'presence-back', 'u1'));
    a.unsubscribe('presence-back');
    await sleep(200);
    await subscribed(a, 'presence-back');
    await subscribed(a, 'flicker');
    await r.waitAccepted(event('channel_occupied', 'flicker'));
    a.unsubscribe('flicker');
    await sleep(200);
    await subscribed(a, 'flicker');

    // why: an ordering barrier instead of a sleep: a channel left after the flickers is held for the same delay,
    // so by the time its vacated arrives, a vacated or member_removed the flickers failed to cancel would have too.
    await subscribed(a, 'barrier');
    await r.waitAccepted(event('channel_occupied', 'barrier'));
    a.unsubscribe('barrier');
    await r.waitAccepted(event('channel_vacated', 'barrier'));
    const accepted = r.accepted();
    expect(accepted.filter(event('channel_vacated', 'presence-back'))).toEqual([]);
    expect(accepted.filter(event('member_removed', 'presence-back'))).toEqual([]);
    expect(accepted.filter(event('member_added', 'presence-back'))).toHaveLength(1);
    expect(accepted.filter(event('channel_occupied', 'presence-back'))).toHaveLength(1);
    expect(accepted.filter(event('channel_vacated', 'flicker'))).toEqual([]);
    expect(accepted.filter(event('channel_occupied', 'flicker'))).toHaveLength(1);
    expect(r.invalid()).toEqual([]);
  });

  it('gives each endpoint only the events its types and filter ask for, with its custom headers', async () => {
    const { receiver: r } = await setUp(
      (rc) => [
        { url: rc.url('/orders'), event_types: ['channel_occupied'], filter: { channel_prefix: 'orders-' }, headers: { 'X-Custom': 'orders-hook', Authorization: 'Bearer t0k3n' } },
        { url: rc.url('/rooms'), event_types: ['channel_occupied', 'channel_vacated'], filter: { channel_pattern: '^room-[0-9]+$', channel_suffix: '7' } },
        { url: rc.url('/vacated'), event_types: ['channel_vacated'] },
      ],
      { vacate_delay_ms: 0 },
    );
    const a = client();
    await connected(a);
    for (const ch of ['orders-1', 'room-17', 'room-18', 'misc', 'room-x7']) await subscribed(a, ch);
    await r.waitAccepted(event('channel_occupied', 'orders-1'), 1, 5000, '/orders');
    await r.waitAccepted(event('channel_occupied', 'room-17'), 1, 5000, '/rooms');
    a.unsubscribe('room-17');
    a.unsubscribe('misc');
    await r.waitAccepted(event('channel_vacated', 'room-17'), 1, 5000, '/rooms');
    await r.waitAccepted(event('channel_vacated', 'misc'), 1, 5000, '/vacated');
    await sleep(300);

    expect(r.accepted('/orders')).toEqual([{ name: 'channel_occupied', channel: 'orders-1' }]);
    expect(r.accepted('/rooms')).toEqual([
      { name: 'channel_occupied', channel: 'room-17' },
      { name: 'channel_vacated', channel: 'room-17' },
    ]);
    expect(r.accepted('/vacated').map((e) => e.name)).toEqual(['channel_vacated', 'channel_vacated']);
    const ordersRequest = r.requests.find((q) => q.path === '/orders')!;
    expect(ordersRequest.headers['x-custom']).toBe('orders-hook');
    expect(ordersRequest.headers.authorization).toBe('Bearer t0k3n');
    expect(r.requests.find((q) => q.path === '/rooms')!.headers['x-custom']).toBeUndefined();
    expect(r.invalid()).toEqual([]);
  });

  it('signs the webhooks of two apps on one server each with its own secret', async () => {
    const second = newApp();
    const { receiver: r, server: s } = await setUp(
      (rc) => [{ url: rc.url('/one'), event_types: ['channel_occupied'] }],
      {},
      (rc) => [{ ...second, webhooks: [{ url: rc.url('/two'), event_types: ['channel_occupied'] }] }],
    );
    const a = client();
    const b = client({ app: s.apps[1] });
    await connected(a);
    await connected(b);
    await subscribed(a, 'shared-name');
    await subscribed(b, 'shared-name');
    await r.waitAccepted(event('channel_occupied', 'shared-name'), 1, 5000, '/one');
    await r.waitAccepted(event('channel_occupied', 'shared-name'), 1, 5000, '/two');
    expect(r.requests.filter((q) => q.path === '/one').map((q) => q.appId)).toEqual([s.app.id]);
    expect(r.requests.filter((q) => q.path === '/two').map((q) => q.appId)).toEqual([second.id]);
    expect(r.invalid()).toEqual([]);
  });

  it('batches several events of one app into one request when batching is on', async () => {
    const { receiver: r } = await setUp((rc) => [{ url: rc.url(), event_types: ['channel_occupied'] }], {
      batching: { enabled: true, duration: 400, size: 100 },
    });
    const a = client();
    await connected(a);
    await Promise.all(['b1', 'b2', 'b3', 'b4', 'b5'].map((ch) => subscribed(a, ch)));
    await waitFor(() => r.accepted().length === 5, 5000, 'five occupied events');
    expect(r.requests.length).toBeLessThan(5);
    expect(Math.max(...r.requests.map((q) => q.events.length))).toBeGreaterThan(1);
    expect(r.invalid()).toEqual([]);
  });

  it('retries a receiver that fails twice, then delivers exactly once', async () => {
    const { receiver: r } = await setUp((rc) => [{ url: rc.url('/flaky'), event_types: ['channel_occupied'] }]);
    r.respond = (_path, index) => [500, 503][index] ?? 200;
    const a = client();
    await connected(a);
    await subscribed(a, 'flaky-1');
    await r.waitAccepted(event('channel_occupied', 'flaky-1'), 1, 5000);
    await deliveredOnce(server!);
    expect(r.requests.map((q) => q.status)).toEqual([500, 503, 200]);
    expect(r.accepted()).toEqual([{ name: 'channel_occupied', channel: 'flaky-1' }]);
    expect(r.invalid()).toEqual([]);
  });

  it('keeps retrying while the receiver is down for 10 s, and delivers when it is back', async () => {
    const { receiver: r } = await setUp((rc) => [{ url: rc.url('/later'), event_types: ['channel_occupied'] }], {
      retry: { base_delay_ms: 100, max_delay_ms: 1000, max_elapsed_ms: 60_000 },
    });
    await r.down();
    const a = client();
    await connected(a);
    await subscribed(a, 'while-down');
    await sleep(10_000);
    expect(r.requests).toEqual([]);
    await r.start();
    await r.waitAccepted(event('channel_occupied', 'while-down'), 1, 5000).catch((err: Error) => {
      const trail = server!.logs.filter((l) => l.includes('webhook')).slice(-5);
      throw new Error(`${err.message}; receiver saw ${JSON.stringify(r.requests.map((q) => [q.path, q.status]))}; server said ${trail.join('')}`);
    });
    await deliveredOnce(server!);
    expect(r.accepted()).toHaveLength(1);
    expect(r.invalid()).toEqual([]);
  }, 30_000);

  it('dead-letters what a receiver keeps refusing, lists it through the signed API, and replays it', async () => {
    const { receiver: r, server: s } = await setUp(
      (rc) => [
        { url: rc.url('/down'), event_types: ['channel_occupied'] },
        { url: rc.url('/gone'), event_types: ['channel_occupied'] },
      ],
      { retry: { base_delay_ms: 50, max_delay_ms: 200, max_elapsed_ms: 800 } },
      () => [newApp()],
    );
    let healthy = false;
    r.respond = (path) => (healthy ? 200 : path === '/gone' ? 410 : 500);
    const a = client();
    await connected(a);
    await subscribed(a, 'doomed');
    const sdk = apiClient(s);
    type Letters = { dead_letters: Array<{ id: string; url: string; event: unknown; error: string; attempts: number; failed_at: number }> };
    let letters: Letters['dead_letters'] = [];
    await waitFor(async () => {
      const res = await sdk.get({ path: '/webhooks/dead_letters' });
      letters = ((await res.json()) as Letters).dead_letters;
      return letters.length === 2;
    }, 8000, 'two dead letters');
    const down = letters.find((l) => l.url.endsWith('/down'))!;
    const gone = letters.find((l) => l.url.endsWith('/gone'))!;
    expect(down.event).toEqual({ name: 'channel_occupied', channel: 'doomed', id: expect.any(String) });
    expect(down.attempts).toBeGreaterThan(2);
    expect(down.error).toContain('HTTP 500');
    expect(gone.attempts).toBe(1);
    expect(gone.error).toContain('HTTP 410');
    expect(JSON.stringify(letters)).not.toContain(s.app.secret);

    // another app of the same server sees none of them and cannot replay them
    const otherSdk = apiClient(s, s.apps[1]);
    expect(await (await otherSdk.get({ path: '/webhooks/dead_letters' })).json()).toEqual({ dead_letters: [] });
    await expect(otherSdk.post({ path: `/webhooks/dead_letters/${encodeURIComponent(down.id)}/replay`, body: '' })).rejects.toMatchObject({ status: 404 });

    healthy = true;
    const replayed = await sdk.post({ path: `/webhooks/dead_letters/${encodeURIComponent(down.id)}/replay`, body: '' });
    expect(replayed.status).toBe(200);
    await r.waitAccepted(event('channel_occupied', 'doomed'), 1, 5000, '/down');
    await expect(sdk.post({ path: `/webhooks/dead_letters/${encodeURIComponent(down.id)}/replay`, body: '' })).rejects.toMatchObject({ status: 404 });
    const after = ((await (await sdk.get({ path: '/webhooks/dead_letters' })).json()) as Letters).dead_letters;
    expect(after.map((l) => l.id)).toEqual([gone.id]);
    expect(r.accepted('/down')).toHaveLength(1);
    expect(r.invalid()).toEqual([]);
    expect(s.logs.some((l) => l.includes('kept as a dead letter'))).toBe(true);
    expect(s.logs.join('')).not.toContain(s.app.secret);
  });
});
