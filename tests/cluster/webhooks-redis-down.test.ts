import { afterAll, describe, expect, it } from 'vitest';
import { apiClient, connected, newApp, pusherClient, startServer, subscribed, waitFor, type PusherClient, type TestServer } from '../kit/index.js';
import { httpRequest } from '../kit/http.js';
import { startRedisServer, type ChildService } from '../kit/processes.js';
import { binariesPresent, REDIS_SERVER_BINARY, uniquePrefix } from '../kit/services.js';
import { event, startWebhookReceiver, type WebhookReceiver } from '../kit/webhooks.js';

const up = binariesPresent('webhooks while the queue Redis is down', REDIS_SERVER_BINARY);

/**
 * Issue 14 §3: with the webhook queue's Redis down, a server that keeps producing webhook events must not
 * pile them up in its memory or stall on them: each is refused at once and counted, the server keeps serving
 * its sockets, and webhooks flow again once Redis is back.
 */
describe.skipIf(!up)('webhooks on BullMQ while Redis is down (embedded server, queue.driver = "redis")', () => {
  let redis: ChildService | undefined;
  let server: TestServer | undefined;
  let receiver: WebhookReceiver | undefined;
  const clients: PusherClient[] = [];

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await server?.stop();
    await receiver?.close();
    await redis?.kill('SIGKILL');
  });

  it('refuses and counts events at once, keeps delivering to sockets, and queues again when Redis is back', async () => {
    redis = await startRedisServer();
    const app = newApp();
    receiver = await startWebhookReceiver([app]);
    server = await startServer({
      app: { ...app, webhooks: [{ url: receiver.url('/hooks'), event_types: ['channel_occupied'] }] },
      config: {
        queue: { driver: 'redis', redis: { url_override: `redis://127.0.0.1:${redis.port}`, prefix: uniquePrefix('whdown') } },
        webhooks: { enqueue_timeout_ms: 1000, retry: { base_delay_ms: 50, max_delay_ms: 200, max_elapsed_ms: 30_000 } },
      },
    });
    const scrape = async (): Promise<string> => (await httpRequest(server!, 'GET', '/metrics', '', { port: server!.metricsPort })).text;
    const dropped = async (): Promise<number> => {
      const line = (await scrape()).split('\n').find((l) => l.startsWith('sockudo_webhooks_dropped_total{') && l.includes('reason="queue_unavailable"'));
      return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
    };

    const c = pusherClient(server);
    clients.push(c);
    await connected(c);
    await subscribed(c, 'before');
    await receiver.waitAccepted(event('channel_occupied', 'before'), 1, 10_000, '/hooks');

    await redis.kill('SIGKILL');
    // 80 channels occupied while Redis is down: every subscription still succeeds and the events are counted
    const names = Array.from({ length: 80 }, (_, i) => `down-${i}`);
    await Promise.all(names.map((n) => subscribed(c, n)));
    await waitFor(async () => (await dropped()) === 80, 15_000, '80 events counted as queue_unavailable');
    // the scrape itself answered while Redis was down: the queue gauges say NaN (prom-client writes Nan) instead of waiting
    const text = await scrape();
    expect(text.split("\n").find((l) => l.startsWith("sockudo_webhook_queue_depth "))).toBe("sockudo_webhook_queue_depth Nan");

    // the socket side keeps working while the queue is gone
    const got: unknown[] = [];
    c.channel('down-7')!.bind('still-here', (d: unknown) => got.push(d));
    await apiClient(server).trigger('down-7', 'still-here', { ok: true });
    await waitFor(() => got.length === 1, 5000, 'an event while Redis is down');

    await redis.start();
    let attempt = 0;
    await waitFor(async () => {
      // why: a fresh channel per try; until the queue has reconnected, its occupied event is refused too
      await subscribed(c, `after-${attempt++}`);
      return receiver!.accepted('/hooks').some((e) => e.channel.startsWith('after-'));
    }, 30_000, 'a webhook once Redis is back');
    expect(receiver.accepted('/hooks').filter((e) => e.channel.startsWith('down-'))).toEqual([]);
    expect(receiver.invalid()).toEqual([]);
  }, 120_000);
});
