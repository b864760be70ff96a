import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import PushNotifications from '@pusher/push-notifications-server';
import { binariesPresent, startServer, type TestServer } from '../kit/index.js';
import { OPENSSL } from '../../services/push/test/fakes/tls.js';
import { startFakeProviders, type FakeProviders } from '../../services/push/test/fakes/providers.js';
import { FAST_RETRY } from '../../services/push/test/harness.js';
import { NOTE_BODY, pushScenarios } from './push-scenarios.js';

const up = binariesPresent('push e2e', OPENSSL);

describe.skipIf(!up)('push in the embedded server (in-process queue, memory devices)', () => {
  let server: TestServer;
  let fakes: FakeProviders;
  // why: Beams instance ids are UUIDs; push.beams.instances maps one to this server's app.
  const instanceId = randomUUID();
  beforeAll(async () => {
    fakes = await startFakeProviders();
    server = await startServer({
      app: { id: 'push-e2e-app' },
      config: {
        push: {
          beams: { instances: [`${instanceId}=push-e2e-app`] },
          providers: fakes.config,
          retry: { base_delay_ms: FAST_RETRY.baseDelayMs, max_delay_ms: FAST_RETRY.maxDelayMs, max_elapsed_ms: FAST_RETRY.maxElapsedMs },
        },
      },
    });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await fakes?.close();
  });

  pushScenarios(() => ({ api: server, fakes }));

  it('counts notifications per provider and outcome on the metrics port', async () => {
    const text = await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`).then((r) => r.text());
    for (const provider of ['apns', 'fcm', 'web']) expect(text).toMatch(new RegExp(`sockudo_push_notifications_total\\{provider="${provider}",outcome="delivered"\\} [1-9]`));
    expect(text).toMatch(/sockudo_push_notifications_total\{provider="web",outcome="invalid_token"\} [1-9]/);
    expect(text).toMatch(/sockudo_push_notifications_total\{provider="apns",outcome="rejected"\} [1-9]/);
    expect(text).toContain('sockudo_push_queue_depth');
  });

  it('maps a Beams instance id to its app (push.beams.instances) and refuses an unknown one', async () => {
    const device = await fetch(`http://${server.host}:${server.port}/device_api/v1/instances/${instanceId}/devices/web`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token: Buffer.from(JSON.stringify(fakes.web.subscribe())).toString('base64') }),
    }).then((r) => r.json() as Promise<{ id: string }>);
    await fetch(`http://${server.host}:${server.port}/device_api/v1/instances/${instanceId}/devices/web/${device.id}/interests/mapped`, { method: 'POST' });
    const beams = (id: string): PushNotifications => new PushNotifications({ instanceId: id, secretKey: server.app.secret, endpoint: server.host, port: server.port } as PushNotifications.Options);
    expect((await beams(instanceId).publishToInterests(['mapped'], NOTE_BODY)).publishId).toMatch(/^pubid-/);
    await expect(beams(randomUUID()).publishToInterests(['mapped'], NOTE_BODY)).rejects.toThrow(/^404 Not Found - Unknown instance /);
  });
});
