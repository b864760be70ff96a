import { afterAll, describe, expect, it } from 'vitest';
import { NATS, POSTGRES, REDIS, apiCall, apiClient, connected, newApp, nextEvent, pusherClient, reachable, servicesUp, subscribed, waitFor, type PusherClient } from '../kit/index.js';
import { startScriptCluster, type ScriptCluster } from '../kit/cluster-script.js';
import { createPostgresDatabase } from '../kit/databases.js';
import { START_TIMEOUT_MS, freePort } from '../kit/processes.js';

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

const withDatabase = up && (await servicesUp('npm run cluster with push and history', POSTGRES));

describe.skipIf(!withDatabase)('npm run cluster with push and history turned on', () => {
  it('migrates PostgreSQL first, starts the push and history services too, and the SDK\'s signed get reads history', async () => {
    const db = await createPostgresDatabase();
    const env = { DATABASE_URL: db.url, RECOVERY_ENABLED: 'true', HISTORY_ENABLED: 'true', PUSH_ENABLED: 'true', PUSH_STORAGE_DRIVER: 'postgres' };
    let cluster: ScriptCluster | undefined;
    let code: number | null = null;
    try {
      cluster = await startScriptCluster('scripthist', { env, push: true, history: true });
      const out = cluster.output();
      // the migration ran to the end before any service started
      expect(out).toMatch(/\[migrate\] applied migration \S+_init to postgres:\/\/127\.0\.0\.1:\d+\/t_/);
      expect(out.indexOf('[migrate]')).toBeLessThan(out.indexOf('cluster: started presence'));
      for (const name of ['push', 'history']) {
        expect([name, cluster.pidsOf(name)]).toEqual([name, [expect.any(Number)]]);
        // the probe paths of the chart answer on each one's metrics port (ready once its dependencies answer)
        const status = async (path: string): Promise<number> => (await fetch(`http://127.0.0.1:${cluster!.metricsPortOf(name)}${path}`)).status;
        expect([name, await status('/up')]).toEqual([name, 200]);
        await waitFor(async () => (await status('/ready')) === 200, 30_000, `${name} to be ready`);
      }
      expect(out).toContain(`history    gRPC 127.0.0.1:${cluster.historyPort}`);

      const sdk = apiClient({ host: '127.0.0.1', port: cluster.apiPort, app: newApp({ id: 'app-id', key: 'app-key', secret: 'app-secret' }) });
      for (let i = 0; i < 5; i++) await sdk.trigger('script-history', 'tick', { i });
      type Page = { items: Array<{ serial: number; event: string; data: string }>; has_more: boolean; next_cursor: string | null };
      let page: Page = { items: [], has_more: false, next_cursor: null };
      let last = '';
      // history is written by the history service a little behind the live stream (and a loaded machine may
      // miss a read's deadline: that answer is a 503, read again)
      await waitFor(
        async () => {
          const res = await apiCall(() => sdk.get({ path: '/channels/script-history/history', params: { direction: 'oldest_first' } }));
          last = `${res.status} ${JSON.stringify(res.body)}`;
          if (res.status !== 200) return false;
          page = res.body as Page;
          return page.items.length >= 5;
        },
        60_000,
        'the api to read 5 events of history from the history service',
      ).catch((err: Error) => {
        throw new Error(`${err.message}; last answer: ${last}`);
      });
      expect(page.items.map((m) => [m.event, JSON.parse(m.data)])).toEqual([0, 1, 2, 3, 4].map((i) => ['tick', { i }]));
      expect(page.items.map((m) => m.serial)).toEqual([...page.items.map((m) => m.serial)].sort((a, b) => a - b));
      expect([page.has_more, page.next_cursor]).toEqual([false, null]);
    } finally {
      code = (await cluster?.stop('SIGTERM')) ?? null;
      await db.drop();
    }
    expect(code).toBe(0);
    for (const port of [cluster!.apiPort, cluster!.historyPort]) expect(await reachable('127.0.0.1', port)).toBe(false);
  }, 4 * START_TIMEOUT_MS);

  it('refuses to start when the database cannot be migrated, with the migration\'s reason, before starting anything', async () => {
    const closed = await freePort();
    const env = { DATABASE_URL: `postgres://postgres:hunter2@127.0.0.1:${closed}/nowhere`, RECOVERY_ENABLED: 'true', HISTORY_ENABLED: 'true' };
    const start = startScriptCluster('scriptnodb', { env, history: true });
    await expect(start).rejects.toThrow(/cluster: the migration of postgres:\/\/127\.0\.0\.1:\d+\/nowhere failed/);
    const message = await start.catch((err: Error) => err.message);
    expect(message).toMatch(/\[migrate\] db:migrate: postgres:\/\/127\.0\.0\.1:\d+\/nowhere: /);
    expect(message).not.toContain('cluster: started');
    expect(message).not.toContain('hunter2');
  }, 2 * START_TIMEOUT_MS);
});
