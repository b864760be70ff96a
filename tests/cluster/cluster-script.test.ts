import { afterAll, describe, expect, it } from 'vitest';
import { NATS, REDIS, apiClient, connected, newApp, nextEvent, pusherClient, reachable, servicesUp, subscribed, type PusherClient } from '../kit/index.js';
import { startScriptCluster } from '../kit/cluster-script.js';
import { START_TIMEOUT_MS } from '../kit/processes.js';

const up = await servicesUp('npm run cluster', NATS, REDIS);

describe.skipIf(!up)('npm run cluster (scripts/cluster.mjs)', () => {
  const clients: PusherClient[] = [];
  afterAll(() => {
    for (const c of clients) c.disconnect();
  });

  it('starts presence, two gateways, the api and the webhook service, prints their ports, and stops them all on SIGTERM', async () => {
    const cluster = await startScriptCluster('script');
    const { gatewayPort, apiPort, presencePort, metricsPort } = cluster;
    let code: number | null;
    try {
      for (const port of [`127.0.0.1:${gatewayPort}/`, `127.0.0.1:${gatewayPort + 1}/`, `127.0.0.1:${apiPort}/`, `127.0.0.1:${presencePort}`, `127.0.0.1:${metricsPort + 4}/metrics`]) {
        expect(cluster.output()).toContain(port);
      }
      const app = newApp({ id: 'app-id', key: 'app-key', secret: 'app-secret' });
      const a = pusherClient({ host: '127.0.0.1', port: gatewayPort, app });
      const b = pusherClient({ host: '127.0.0.1', port: gatewayPort + 1, app });
      clients.push(a, b);
      await Promise.all([connected(a), connected(b)]);
      const [ca, cb] = await Promise.all([subscribed(a, 'script-demo'), subscribed(b, 'script-demo')]);
      const got = Promise.all([nextEvent(ca, 'hi'), nextEvent(cb, 'hi')]);
      await apiClient({ host: '127.0.0.1', port: apiPort, app }).trigger('script-demo', 'hi', { ok: 1 });
      expect(await got).toEqual([{ ok: 1 }, { ok: 1 }]);
    } finally {
      for (const c of clients.splice(0)) c.disconnect();
      code = await cluster.stop('SIGTERM');
    }
    expect(code).toBe(0);
    expect(cluster.output()).toContain('cluster: stopped');
    for (const port of [gatewayPort, gatewayPort + 1, apiPort, presencePort]) expect(await reachable('127.0.0.1', port)).toBe(false);
  }, 3 * START_TIMEOUT_MS);
});
