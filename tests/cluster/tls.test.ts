import { existsSync } from 'node:fs';
import { Agent } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NATS, OPENSSL, REDIS, apiClient, makeCertificates, pusherJsOverTls, servicesUp, startCluster, type TestCertificates, type TestCluster } from '../kit/index.js';

const up = (await servicesUp('cluster over TLS', NATS, REDIS)) && existsSync(OPENSSL);

// The gateways and the api serve WSS and HTTPS from the same [ssl] settings as the embedded server.
describe.skipIf(!up)('cluster: gateways and api over TLS ([ssl])', () => {
  let certs: TestCertificates;
  let cluster: TestCluster;
  beforeAll(async () => {
    certs = makeCertificates();
    cluster = await startCluster({ config: { ssl: { enabled: true, cert_path: certs.certPath, key_path: certs.keyPath, passphrase: certs.passphrase } } });
  });
  afterAll(async () => {
    await cluster?.stop();
    certs?.remove();
  });

  it('delivers an HTTPS trigger to pusher-js over WSS on each gateway', async () => {
    const api = apiClient({ ...cluster.apiEndpoint, host: 'localhost' }, cluster.app, { useTLS: true, agent: new Agent({ ca: certs.ca }) });
    for (const i of [0, 1]) {
      const got = await pusherJsOverTls(certs, cluster.gateway(i).port, cluster.app.key, async () => {
        await api.trigger('tls-news', 'hello', { gateway: i + 1 });
      });
      expect(got).toEqual({ data: { gateway: i + 1 }, usingTLS: true });
    }
  });
});
