import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NATS_SERVER_BINARY, REDIS, binariesPresent, servicesUp, startCluster, startNatsServer, waitFor, type ChildService, type TestCluster } from '../kit/index.js';

const up = (await servicesUp('cluster health', REDIS)) && binariesPresent('cluster health', NATS_SERVER_BINARY);

async function get(port: number, path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  const text = await res.text();
  return { status: res.status, body: path === '/ready' ? JSON.parse(text) : text };
}

// Every process answers /up and /ready on its metrics port; gateways and the api also on their own port. /ready
// follows the dependencies each process uses, so an orchestrator takes a process out of service while NATS is down.
describe.skipIf(!up)('cluster health endpoints', () => {
  let nats: ChildService;
  let cluster: TestCluster;
  beforeAll(async () => {
    nats = await startNatsServer();
    cluster = await startCluster({ bus: 'nats', natsUrl: `nats://127.0.0.1:${nats.port}`, webhookWorker: true });
  });
  afterAll(async () => {
    await cluster?.stop();
    await nats?.kill();
  });

  it('reports ready on every process, and not ready where NATS is used while it is down', async () => {
    const metrics = cluster.metricsPorts;
    expect(Object.keys(metrics).sort()).toEqual(['api', 'gateway-1', 'gateway-2', 'presence', 'webhook']);
    for (const port of Object.values(metrics)) {
      expect(await get(port, '/up')).toEqual({ status: 200, body: 'OK' });
      expect(await get(port, '/ready')).toMatchObject({ status: 200, body: { ready: true } });
    }
    expect(await get(cluster.gateway(0).port, '/ready')).toEqual({ status: 200, body: { ready: true, checks: { nats: true, redis: true } } });
    expect(await get(cluster.apiEndpoint.port, '/ready')).toEqual({ status: 200, body: { ready: true, checks: { nats: true, redis: true } } });
    expect(await get(metrics.webhook!, '/ready')).toEqual({ status: 200, body: { ready: true, checks: { redis: true } } });

    await nats.kill('SIGKILL');
    const users = ['gateway-1', 'gateway-2', 'api', 'presence'];
    await waitFor(async () => (await Promise.all(users.map((n) => get(metrics[n]!, '/ready')))).every((r) => r.status === 503), 10_000, 'every NATS user not ready');
    expect(await get(cluster.gateway(1).port, '/ready')).toEqual({ status: 503, body: { ready: false, checks: { nats: false, redis: true } } });
    expect(await get(metrics.webhook!, '/ready')).toMatchObject({ status: 200 });
    for (const name of users) expect(await get(metrics[name]!, '/up')).toMatchObject({ status: 200 });

    await nats.start();
    await waitFor(async () => (await Promise.all(users.map((n) => get(metrics[n]!, '/ready')))).every((r) => r.status === 200), 15_000, 'ready again');
  });
});
