import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, newApp, rawClient, rawSubscribe, startServer, waitFor, type TestServer } from '../kit/index.js';
import { httpRequest, signedRequest } from '../kit/http.js';

/** sample returns the value of one metric for one app_id in a Prometheus exposition (0 when absent). */
function sample(text: string, name: string, appId: string): number {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}\s+(\S+)/.exec(line);
    if (m && m[1] === name && m[2]!.split(',').includes(`app_id="${appId}"`)) return Number(m[3]);
  }
  return 0;
}

// Prometheus metrics at the metrics port: connections, messages, bytes and HTTP calls, by app (issue 2 §1).
describe('metrics', () => {
  let server: TestServer;
  const second = newApp();
  const scrape = async (): Promise<string> => (await httpRequest(server, 'GET', '/metrics', '', { port: server.metricsPort })).text;

  beforeAll(async () => {
    server = await startServer({ extraApps: [second] });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('serves the Prometheus text format at GET /metrics on the metrics port, and 404 elsewhere', async () => {
    expect(server.metricsPort).toBeGreaterThan(0);
    expect(server.metricsPort).not.toBe(server.port);
    const res = await httpRequest(server, 'GET', '/metrics', '', { port: server.metricsPort });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toMatch(/^# HELP sockudo_connected /m);
    expect((await httpRequest(server, 'GET', '/other', '', { port: server.metricsPort })).status).toBe(404);
  });

  it('counts connections, disconnections, frames and bytes in and out for each app separately', async () => {
    const app = server.app.id;
    const raw = await rawClient(server);
    const socketId = await raw.socketId();
    rawSubscribe(server, raw, socketId, 'metered');
    await raw.event('pusher_internal:subscription_succeeded', 'metered');
    await apiClient(server).trigger('metered', 'tick', { n: 1 });
    await raw.event('tick', 'metered');

    let text = await scrape();
    expect(sample(text, 'sockudo_connected', app)).toBe(1);
    expect(sample(text, 'sockudo_new_connections_total', app)).toBe(1);
    expect(sample(text, 'sockudo_new_disconnections_total', app)).toBe(0);
    // in: the subscribe frame; out: connection_established, subscription_succeeded, the event.
    expect(sample(text, 'sockudo_ws_messages_received_total', app)).toBe(1);
    expect(sample(text, 'sockudo_ws_messages_sent_total', app)).toBe(3);
    expect(sample(text, 'sockudo_socket_received_bytes', app)).toBeGreaterThan(20);
    expect(sample(text, 'sockudo_socket_transmitted_bytes', app)).toBeGreaterThan(100);
    // Nothing of this is counted for the other app.
    expect(sample(text, 'sockudo_connected', second.id)).toBe(0);
    expect(sample(text, 'sockudo_ws_messages_sent_total', second.id)).toBe(0);

    raw.close();
    await waitFor(async () => sample(await scrape(), 'sockudo_connected', app) === 0, 5000, 'connected gauge to drop');
    text = await scrape();
    expect(sample(text, 'sockudo_new_disconnections_total', app)).toBe(1);
    expect(sample(text, 'sockudo_new_connections_total', app)).toBe(1);
  });

  it('counts HTTP API calls and their bytes by app, including refused ones', async () => {
    const before = await scrape();
    const callsBefore = sample(before, 'sockudo_http_calls_received_total', second.id);
    await apiClient(server, second).trigger('m', 'e', { x: 1 });
    await apiClient(server, second).get({ path: '/channels' });
    await signedRequest(server, { app: second, path: '/events', body: { name: 'e', channels: ['m'], data: '1' }, secret: 'wrong' });
    const after = await scrape();
    expect(sample(after, 'sockudo_http_calls_received_total', second.id) - callsBefore).toBe(3);
    expect(sample(after, 'sockudo_http_received_bytes', second.id)).toBeGreaterThan(sample(before, 'sockudo_http_received_bytes', second.id));
    expect(sample(after, 'sockudo_http_transmitted_bytes', second.id)).toBeGreaterThan(sample(before, 'sockudo_http_transmitted_bytes', second.id));
    expect(sample(after, 'sockudo_http_calls_received_total', server.app.id)).toBe(sample(before, 'sockudo_http_calls_received_total', server.app.id));
  });

  it('does not open a metrics listener when metrics are disabled', async () => {
    const off = await startServer({ config: { metrics: { enabled: false } } });
    try {
      expect(off.metricsPort).toBeUndefined();
      expect((await httpRequest(off, 'GET', '/up')).status).toBe(200);
    } finally {
      await off.stop();
    }
  });
});
