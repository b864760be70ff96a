import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NATS,
  REDIS,
  apiClient,
  newApp,
  nextEvent,
  pusherClient,
  servicesUp,
  startCluster,
  subscribed,
  uniquePrefix,
  type PusherClient,
  type TestCluster,
} from '../kit/index.js';
import { OtlpReceiver, describeSpan, type CollectedSpan } from '../kit/otlp.js';
import { event, startWebhookReceiver, type WebhookReceiver } from '../kit/webhooks.js';

// Issue 10: the services export their spans over OTLP/HTTP to a receiver in this test process; one trace
// follows an event from where it enters (the HTTP API, or a client event at a gateway) to every gateway that
// delivered it and to the webhook it caused.

const up = await servicesUp('cluster: tracing', NATS, REDIS);

/** one returns the only span that matches, failing with every span of the trace when there is not exactly one. */
function one(spans: CollectedSpan[], what: string, match: (s: CollectedSpan) => boolean): CollectedSpan {
  const found = spans.filter(match);
  if (found.length !== 1) throw new Error(`expected one ${what}, found ${found.length}:\n${spans.map(describeSpan).join('\n')}`);
  return found[0]!;
}

/** descends tells whether `span` is `ancestor` or below it in `trace`. */
function descends(trace: CollectedSpan[], span: CollectedSpan, ancestor: CollectedSpan): boolean {
  for (let at: CollectedSpan | undefined = span; at !== undefined; at = trace.find((s) => s.spanId === at!.parentSpanId)) {
    if (at.spanId === ancestor.spanId) return true;
  }
  return false;
}

describe.skipIf(!up)('cluster: one trace per event across processes', { timeout: 150_000 }, () => {
  let otlp: OtlpReceiver;
  let hooks: WebhookReceiver;
  let cluster: TestCluster;
  const clients: PusherClient[] = [];

  beforeAll(async () => {
    otlp = await OtlpReceiver.start();
    const app = newApp({ enable_client_messages: true });
    hooks = await startWebhookReceiver([app]);
    cluster = await startCluster({
      bus: 'nats',
      app: { ...app, webhooks: [{ url: hooks.url(), event_types: ['client_event', 'channel_occupied'], headers: {} }] },
      webhookWorker: true,
      config: { tracing: { endpoint: otlp.endpoint, protocol: 'http/json' } },
    });
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await cluster?.stop();
    await hooks?.close();
    await otlp?.close();
  });

  it('follows a triggered event from the API request through the publish to both gateways', async () => {
    const channel = uniquePrefix('traced');
    const a = pusherClient(cluster.gateway(0));
    const b = pusherClient(cluster.gateway(1));
    clients.push(a, b);
    const [ca, cb] = await Promise.all([subscribed(a, channel), subscribed(b, channel)]);
    const got = Promise.all([nextEvent(ca, 'traced-event'), nextEvent(cb, 'traced-event')]);
    await apiClient(cluster.apiEndpoint).trigger(channel, 'traced-event', { n: 1 });
    expect(await got).toEqual([{ n: 1 }, { n: 1 }]);

    const deliveries = (s: CollectedSpan[]) => s.filter((x) => x.kind === 'consumer' && x.attributes['messaging.destination.name'] === channel);
    const spans = await otlp.waitFor((s) => deliveries(s).length >= 2 && s.some((x) => x.service === 'sockudo-ts-api' && x.kind === 'server' && x.attributes['sockudo.channel_count'] === 1));
    const request = one(spans, 'API server span', (s) => s.service === 'sockudo-ts-api' && s.kind === 'server' && s.name === 'POST /apps/:appId/events' && s.attributes['sockudo.app_id'] === cluster.app.id);
    const trace = spans.filter((s) => s.traceId === request.traceId);
    expect(request.attributes).toMatchObject({ 'http.route': '/apps/:appId/events', 'sockudo.channel_count': 1 });
    const publish = one(trace, 'publish span', (s) => s.kind === 'producer' && s.name === `publish ${channel}`);
    expect(publish.service).toBe('sockudo-ts-api');
    // why: express's request-handler span may sit between the server span and the publish.
    expect(descends(trace, publish, request)).toBe(true);
    expect(publish.attributes).toMatchObject({ 'messaging.system': 'nats', 'messaging.operation.type': 'send', 'messaging.destination.name': channel });
    const delivered = deliveries(trace);
    expect(delivered).toHaveLength(2);
    for (const d of delivered) {
      expect(d).toMatchObject({ service: 'sockudo-ts-gateway', parentSpanId: publish.spanId, name: `process ${channel}` });
      expect(d.attributes).toMatchObject({ 'messaging.system': 'nats', 'messaging.operation.type': 'process', 'sockudo.subscribers': 1, 'messaging.message.id': publish.attributes['messaging.message.id'] });
      expect(d.attributes['sockudo.bytes_written']).toBeGreaterThan(0);
    }
    expect(new Set(delivered.map((d) => d.instance))).toEqual(new Set([`${cluster.nats.prefix}-gateway-1`, `${cluster.nats.prefix}-gateway-2`]));
  });

  it('starts a client event trace at the gateway and follows it to the other gateway and the webhook delivery', async () => {
    const channel = `private-${uniquePrefix('traced')}`;
    const a = pusherClient(cluster.gateway(0));
    const b = pusherClient(cluster.gateway(1));
    clients.push(a, b);
    const [ca, cb] = await Promise.all([subscribed(a, channel), subscribed(b, channel)]);
    const got = nextEvent(ca, 'client-traced');
    cb.trigger('client-traced', { n: 2 });
    expect(await got).toEqual({ n: 2 });
    await hooks.waitAccepted(event('client_event', channel), 1, 30_000);

    const spans = await otlp.waitFor((s) => s.some((x) => x.service === 'sockudo-ts-webhook' && x.kind === 'client' && x.traceId === s.find((y) => y.name === 'client event' && y.attributes['pusher.channel'] === channel)?.traceId));
    const start = one(spans, 'client event span', (s) => s.name === 'client event' && s.attributes['pusher.channel'] === channel);
    expect(start).toMatchObject({ service: 'sockudo-ts-gateway', kind: 'server', parentSpanId: '', instance: `${cluster.nats.prefix}-gateway-2` });
    const trace = spans.filter((s) => s.traceId === start.traceId);
    const publish = one(trace, 'publish span', (s) => s.kind === 'producer' && s.name === `publish ${channel}`);
    expect(publish.parentSpanId).toBe(start.spanId);
    const other = one(trace, 'delivery on the other gateway', (s) => s.kind === 'consumer' && s.instance === `${cluster.nats.prefix}-gateway-1`);
    expect(other).toMatchObject({ parentSpanId: publish.spanId, service: 'sockudo-ts-gateway' });
    expect(other.attributes['sockudo.subscribers']).toBe(1);
    const enqueue = one(trace, 'webhook enqueue span', (s) => s.kind === 'producer' && s.name === 'send webhooks');
    expect(enqueue).toMatchObject({ service: 'sockudo-ts-gateway', parentSpanId: start.spanId });
    expect(enqueue.attributes).toMatchObject({ 'messaging.system': 'bullmq', 'messaging.destination.name': 'webhooks', 'sockudo.job': 'client_event' });
    const consume = one(trace, 'webhook delivery span', (s) => s.kind === 'consumer' && s.name === 'process webhooks');
    expect(consume).toMatchObject({ service: 'sockudo-ts-webhook', parentSpanId: enqueue.spanId });
    const post = one(trace, 'webhook HTTP request', (s) => s.service === 'sockudo-ts-webhook' && s.kind === 'client');
    expect(post.parentSpanId).toBe(consume.spanId);
  });

  it('follows a presence subscribe: gRPC client and server spans, Redis commands, the member notice to the gateway and the channel_occupied webhook', async () => {
    const channel = `presence-${uniquePrefix('traced')}`;
    const c = pusherClient(cluster.gateway(0), { channelData: () => ({ user_id: 'u1' }) });
    clients.push(c);
    await subscribed(c, channel);
    const isCall = (s: CollectedSpan) => s.service === 'sockudo-ts-gateway' && s.kind === 'client' && s.name.endsWith('PresenceService/Subscribe');
    // the subscribe that occupies a channel: its trace goes on to the channel_occupied webhook's delivery
    const occupiedTrace = (all: CollectedSpan[]): string | undefined =>
      all.find((s) => s.service === 'sockudo-ts-presence' && s.kind === 'producer' && s.name === `publish ${channel}` && all.some((c) => isCall(c) && c.traceId === s.traceId))?.traceId;
    await hooks.waitAccepted(event('channel_occupied', channel), 1, 30_000);
    const spans = await otlp.waitFor((all) => {
      const id = occupiedTrace(all);
      return id !== undefined && all.some((s) => s.traceId === id && s.service === 'sockudo-ts-webhook' && s.kind === 'client') && all.some((s) => s.traceId === id && s.kind === 'consumer' && s.name === `process ${channel}`);
    });
    const call = one(spans, 'gateway Subscribe call', (s) => isCall(s) && s.traceId === occupiedTrace(spans));
    const trace = spans.filter((s) => s.traceId === call.traceId);
    const served = one(trace, 'presence server span', (s) => s.service === 'sockudo-ts-presence' && s.kind === 'server');
    expect(served.parentSpanId).toBe(call.spanId);
    expect(served.attributes['rpc.system']).toBe('grpc');
    const redis = trace.filter((s) => s.service === 'sockudo-ts-presence' && s.kind === 'client');
    expect(redis.length).toBeGreaterThan(0);
    for (const r of redis) expect(descends(trace, r, served)).toBe(true);
    const send = one(trace, 'channel_occupied enqueue', (s) => s.kind === 'producer' && s.attributes['sockudo.job'] === 'channel_occupied');
    expect(send.service).toBe('sockudo-ts-presence');
    expect(descends(trace, send, served)).toBe(true);
    const consume = one(trace, 'channel_occupied delivery', (s) => s.kind === 'consumer' && s.service === 'sockudo-ts-webhook');
    expect(consume.parentSpanId).toBe(send.spanId);
    // the member_added notice: published by presence in the call's trace, delivered by the gateway below it
    const notice = one(trace, 'member_added publish', (s) => s.kind === 'producer' && s.name === `publish ${channel}`);
    expect(notice.service).toBe('sockudo-ts-presence');
    expect(descends(trace, notice, served)).toBe(true);
    expect(one(trace, 'member_added delivery', (s) => s.kind === 'consumer' && s.name === `process ${channel}`)).toMatchObject({ service: 'sockudo-ts-gateway', parentSpanId: notice.spanId });
    // why: node heartbeats are left out; they would be most of the traces.
    expect(spans.some((s) => s.name.endsWith('/Heartbeat'))).toBe(false);
  });
});
