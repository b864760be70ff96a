import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, newApp, nextEvent, pusherClient, subscribed, uniquePrefix, waitFor, type PusherClient, type TestApp, type TestServer } from '../kit/index.js';
import { OtlpReceiver, describeSpan, type CollectedSpan } from '../kit/otlp.js';
import { buildOnce, listening, spawnServer, type ServerProcess } from '../kit/process.js';
import { event, startWebhookReceiver, type WebhookReceiver } from '../kit/webhooks.js';

// Issue 10: the embedded server (`npm start`) exports the same story as the cluster, from one process, here
// over OTLP http/protobuf configured by the standard environment variables; its log lines carry the trace.

function one(spans: CollectedSpan[], what: string, match: (s: CollectedSpan) => boolean): CollectedSpan {
  const found = spans.filter(match);
  if (found.length !== 1) throw new Error(`expected one ${what}, found ${found.length}:\n${spans.map(describeSpan).join('\n')}`);
  return found[0]!;
}

function descends(trace: CollectedSpan[], span: CollectedSpan, ancestor: CollectedSpan): boolean {
  for (let at: CollectedSpan | undefined = span; at !== undefined; at = trace.find((s) => s.spanId === at!.parentSpanId)) {
    if (at.spanId === ancestor.spanId) return true;
  }
  return false;
}

describe('the embedded server exports its traces', { timeout: 150_000 }, () => {
  let dir: string;
  let otlp: OtlpReceiver;
  let hooks: WebhookReceiver;
  let proc: ServerProcess;
  let server: TestServer;
  const clients: PusherClient[] = [];

  beforeAll(async () => {
    buildOnce();
    dir = mkdtempSync(join(tmpdir(), 'sockudo-tracing-'));
    otlp = await OtlpReceiver.start();
    const app: TestApp = newApp({ enable_client_messages: true });
    hooks = await startWebhookReceiver([app]);
    // why: the second endpoint refuses, so that the worker logs a line while the delivery's span is active.
    hooks.respond = (path) => (path === '/refuse' ? 410 : 200);
    const webhooks = [
      { url: hooks.url('/hooks'), event_types: ['client_event'], headers: {} },
      { url: hooks.url('/refuse'), event_types: ['client_event'], headers: {} },
    ];
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ app_manager: { driver: 'memory', array: { apps: [{ ...app, webhooks }] } } }));
    proc = spawnServer(['--config', config], {
      cwd: dir,
      env: {
        HOST: '127.0.0.1',
        PORT: '0',
        METRICS_PORT: '0',
        INSTANCE_PROCESS_ID: 'embedded-1',
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=test',
        OTEL_BSP_SCHEDULE_DELAY: '200',
      },
    });
    const { port } = await listening(proc);
    server = { host: '127.0.0.1', port, app, apps: [app] } as unknown as TestServer;
  }, 120_000);
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    proc?.kill();
    await hooks?.close();
    await otlp?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('follows a triggered event from the API request through the publish to the delivery', async () => {
    const channel = uniquePrefix('traced');
    const a = pusherClient(server);
    const b = pusherClient(server);
    clients.push(a, b);
    const [ca, cb] = await Promise.all([subscribed(a, channel), subscribed(b, channel)]);
    const got = Promise.all([nextEvent(ca, 'e'), nextEvent(cb, 'e')]);
    await apiClient(server).trigger(channel, 'e', { n: 1 });
    await got;

    const spans = await otlp.waitFor((s) => s.some((x) => x.kind === 'consumer' && x.attributes['messaging.destination.name'] === channel));
    const delivery = one(spans, 'delivery span', (s) => s.kind === 'consumer' && s.attributes['messaging.destination.name'] === channel);
    const trace = spans.filter((s) => s.traceId === delivery.traceId);
    for (const s of trace) expect(s).toMatchObject({ service: 'sockudo-ts-standalone', instance: 'embedded-1', encoding: 'protobuf' });
    expect(delivery.resource).toMatchObject({ 'deployment.environment': 'test', 'telemetry.sdk.language': 'nodejs' });
    const request = one(trace, 'API server span', (s) => s.kind === 'server' && s.name === 'POST /apps/:appId/events');
    expect(request.attributes).toMatchObject({ 'sockudo.app_id': server.app.id, 'sockudo.channel_count': 1, 'http.route': '/apps/:appId/events' });
    const publish = one(trace, 'publish span', (s) => s.kind === 'producer' && s.name === `publish ${channel}`);
    expect(descends(trace, publish, request)).toBe(true);
    expect(publish.attributes['messaging.system']).toBe('memory');
    expect(delivery.parentSpanId).toBe(publish.spanId);
    expect(delivery.attributes).toMatchObject({ 'sockudo.subscribers': 2, 'messaging.message.id': publish.attributes['messaging.message.id'] });
  });

  it('follows a client event from the socket to the webhook delivery, and the log lines of the delivery carry the trace', async () => {
    const channel = `private-${uniquePrefix('traced')}`;
    const a = pusherClient(server);
    const b = pusherClient(server);
    clients.push(a, b);
    const [ca, cb] = await Promise.all([subscribed(a, channel), subscribed(b, channel)]);
    const got = nextEvent(ca, 'client-e');
    cb.trigger('client-e', { n: 2 });
    await got;
    await hooks.waitAccepted(event('client_event', channel), 1, 30_000, '/hooks');

    const isPost = (s: CollectedSpan) => s.kind === 'client' && s.name === 'POST';
    const spans = await otlp.waitFor((s) => {
      const start = s.find((x) => x.name === 'client event' && x.attributes['pusher.channel'] === channel);
      return start !== undefined && s.filter((x) => x.traceId === start.traceId && isPost(x)).length >= 2;
    });
    const start = one(spans, 'client event span', (s) => s.name === 'client event' && s.attributes['pusher.channel'] === channel);
    expect(start).toMatchObject({ kind: 'server', parentSpanId: '', service: 'sockudo-ts-standalone' });
    const trace = spans.filter((s) => s.traceId === start.traceId);
    const publish = one(trace, 'publish span', (s) => s.kind === 'producer' && s.name === `publish ${channel}`);
    expect(publish.parentSpanId).toBe(start.spanId);
    const delivery = one(trace, 'delivery span', (s) => s.kind === 'consumer' && s.name === `process ${channel}`);
    expect(delivery.parentSpanId).toBe(publish.spanId);
    expect(delivery.attributes['sockudo.subscribers']).toBe(1);
    const sends = trace.filter((s) => s.kind === 'producer' && s.name === 'send webhooks');
    expect(sends).toHaveLength(2);
    for (const send of sends) {
      expect(send.parentSpanId).toBe(start.spanId);
      expect(send.attributes).toMatchObject({ 'messaging.system': 'memory', 'sockudo.job': 'client_event' });
      const consume = one(trace, 'webhook delivery span', (s) => s.kind === 'consumer' && s.name === 'process webhooks' && s.parentSpanId === send.spanId);
      one(trace, 'webhook POST', (s) => isPost(s) && s.parentSpanId === consume.spanId);
    }

    await waitFor(() => proc.stdout().includes('webhook refused by its receiver'), 10_000, 'the refusal log line');
    const line = proc.stdout().split('\n').find((l) => l.includes('webhook refused by its receiver'))!;
    const logged = JSON.parse(line) as { trace_id?: string; span_id?: string };
    expect(logged.trace_id).toBe(start.traceId);
    expect(trace.map((s) => s.spanId)).toContain(logged.span_id);
  });

  it('leaves trace fields out of log lines written outside a span', () => {
    const line = proc.stdout().split('\n').find((l) => l.includes('sockudo-ts listening'))!;
    expect(line).not.toContain('trace_id');
  });
});
