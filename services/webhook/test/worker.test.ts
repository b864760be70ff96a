import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { APP_DEFAULTS, asAppId, asChannelName, MemoryAppStore, MemoryJobQueue, Metrics, createLogger, type App, type WebhookJob } from '@sockudo-ts/shared';
import { WebhookMetrics, WebhookWorker } from '@sockudo-ts/webhook';
import { waitFor } from '../../../tests/kit/clients.js';
import { event, startWebhookReceiver, type WebhookReceiver } from '../../../tests/kit/webhooks.js';

describe('WebhookWorker', () => {
  let receiver: WebhookReceiver;
  let queue: MemoryJobQueue<WebhookJob>;
  afterEach(async () => {
    await queue.close();
    await receiver.close();
  });

  it('releases held events to the endpoints that want them, delivers them signed, and counts it all', async () => {
    const app: App = { ...APP_DEFAULTS, id: asAppId('w1'), key: 'key-w1', secret: 'secret-w1' };
    receiver = await startWebhookReceiver([app]);
    app.webhooks = [
      { url: receiver.url('/vacated'), event_types: ['channel_vacated'], headers: { Authorization: 'Bearer do-not-log' } },
      { url: receiver.url('/gone'), event_types: ['channel_vacated'] },
      { url: receiver.url('/occupied'), event_types: ['channel_occupied'] },
    ];
    receiver.respond = (path) => (path === '/gone' ? 404 : 200);
    queue = new MemoryJobQueue<WebhookJob>({ baseDelayMs: 10, maxDelayMs: 20, maxElapsedMs: 100 });
    const metrics = new Metrics('t_', false);
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', service: 'test', destination: new Writable({ write: (c, _e, done) => (lines.push(String(c)), done()) }) });
    const worker = new WebhookWorker({
      queue,
      apps: new MemoryAppStore([app]),
      logger,
      metrics: new WebhookMetrics(metrics.registry, metrics.prefix, queue),
      timeoutMs: 2000,
      concurrency: 2,
      batching: { enabled: false, durationMs: 10, size: 10 },
    });
    worker.start();
    await queue.add({ v: 1, kind: 'release', app_id: app.id, event: { name: 'channel_vacated', channel: asChannelName('c') } });
    await queue.add({ v: 2, kind: 'deliver' } as unknown as WebhookJob);
    await receiver.waitAccepted(event('channel_vacated', 'c'), 1, 5000, '/vacated');
    await waitFor(async () => (await queue.deadLetters()).length === 2, 5000, 'two dead letters');
    await queue.idle();
    expect(receiver.accepted('/occupied')).toEqual([]);
    expect(receiver.invalid()).toEqual([]);
    const errors = (await queue.deadLetters()).map((l) => l.error).sort();
    expect(errors[0]).toContain('answered HTTP 404');
    expect(errors[1]).toContain('not a webhook job');

    const text = await metrics.registry.metrics();
    expect(text).toContain('t_webhook_deliveries_total{app_id="w1",outcome="delivered"} 1');
    expect(text).toContain('t_webhook_deliveries_total{app_id="w1",outcome="rejected"} 1');
    expect(text).toContain('t_webhook_delivery_duration_seconds_count{app_id="w1"} 2');
    expect(text).toContain('t_webhook_queue_depth 0');
    expect(text).toContain('t_webhook_dead_letters 2');
    expect(lines.join('')).not.toContain('secret-w1');
    expect(lines.join('')).not.toContain('do-not-log');
  });
});
