import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  NATS,
  REDIS,
  apiClient,
  connected,
  deleteKeys,
  nextEvent,
  pusherClient,
  reachable,
  servicesUp,
  subscribed,
  uniquePrefix,
  waitFor,
  type PusherClient,
} from '../kit/index.js';
import { START_TIMEOUT_MS } from '../kit/processes.js';

const up = await servicesUp('npm run cluster', NATS, REDIS);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** freeRun finds `count` consecutive free ports (the script numbers gateways and metrics ports from a base). */
async function freeRun(count: number): Promise<number> {
  for (;;) {
    // why: below the kernel's ephemeral range (32768+), where the cluster's own outgoing connections
    // would otherwise take ports of the run between this check and the bind.
    const base = 12_000 + Math.floor(Math.random() * 20_000);
    const taken = await Promise.all([...Array(count).keys()].map((i) => reachable('127.0.0.1', base + i)));
    if (!taken.some(Boolean)) return base;
  }
}

describe.skipIf(!up)('npm run cluster (scripts/cluster.mjs)', () => {
  const clients: PusherClient[] = [];
  afterAll(() => {
    for (const c of clients) c.disconnect();
  });

  it('starts presence, two gateways, the api and the webhook service, prints their ports, and stops them all on SIGTERM', async () => {
    // one run of 9 free ports: 2 gateways, api, presence, 5 metrics ports (with the webhook service's)
    const base = await freeRun(9);
    const [gatewayPort, apiPort, presencePort, metricsPort] = [base, base + 2, base + 3, base + 4];
    const prefix = uniquePrefix('script');
    const script = spawn(
      process.execPath,
      ['scripts/cluster.mjs', '--gateway-port', String(gatewayPort), '--api-port', String(apiPort), '--presence-port', String(presencePort), '--metrics-port', String(metricsPort)],
      { cwd: ROOT, env: { ...process.env, NATS_PREFIX: prefix, REDIS_KEY_PREFIX: `${prefix}:`, QUEUE_REDIS_PREFIX: `${prefix}:queue`, HOST: '127.0.0.1', METRICS_HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    script.stdout.on('data', (d: Buffer) => (out += d));
    script.stderr.on('data', (d: Buffer) => (out += d));
    const exited = new Promise<number | null>((resolve) => script.once('exit', (code) => resolve(code)));
    try {
      await waitFor(
        () => {
          if (script.exitCode !== null) throw new Error(`the cluster script exited (${script.exitCode}):\n${out}`);
          return out.includes('cluster: running');
        },
        // why: five processes start at once on what may be a loaded 2-core machine; each has START_TIMEOUT_MS
        START_TIMEOUT_MS,
        'the cluster to report running',
      );
      for (const port of [`127.0.0.1:${gatewayPort}/`, `127.0.0.1:${gatewayPort + 1}/`, `127.0.0.1:${apiPort}/`, `127.0.0.1:${presencePort}`, `127.0.0.1:${metricsPort + 4}/metrics`]) {
        expect(out).toContain(port);
      }
      const app = { id: 'app-id', key: 'app-key', secret: 'app-secret' };
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
      script.kill('SIGTERM');
      await exited;
      await deleteKeys(`redis://${REDIS.host}:${REDIS.port}`, `${prefix}:`);
    }
    expect(await exited).toBe(0);
    expect(out).toContain('cluster: stopped');
    for (const port of [gatewayPort, gatewayPort + 1, apiPort, presencePort]) expect(await reachable('127.0.0.1', port)).toBe(false);
  }, 3 * START_TIMEOUT_MS);
});
