import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDatabase } from '@sockudo-ts/shared';
import {
  MARIADB,
  NATS,
  REDIS,
  apiCall,
  apiClient,
  connected,
  newApp,
  nextEvent,
  pusherClient,
  rawClient,
  servicesUp,
  startCluster,
  startTcpProxy,
  subscribed,
  waitFor,
  type PusherClient,
  type TcpProxy,
  type TestApp,
  type TestCluster,
} from '../kit/index.js';
import { appsCli, createMariaDatabase, type TestDatabase } from '../kit/databases.js';
import { buildOnce } from '../kit/process.js';

const up = await servicesUp('cluster: apps from MySQL', MARIADB, NATS, REDIS);

// Apps from the database in the distributed shape (issue 15 §2): every gateway and the api read the table through
// their own cache; an app disabled with the CLI is refused by each of them within the poll interval, and when the
// database goes away later they keep serving the apps they have cached.
describe.skipIf(!up)('cluster: apps from MySQL/MariaDB on every gateway and the api', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let cluster: TestCluster;
  let app: TestApp;
  const clients: PusherClient[] = [];
  beforeAll(async () => {
    buildOnce();
    db = await createMariaDatabase();
    await migrateDatabase(db.url);
    const added = await appsCli(db.url, 'add', '--id', 'cl-db-app', '--key', 'cl-db-key');
    expect(added.status).toBe(0);
    app = newApp({ id: 'cl-db-app', key: 'cl-db-key', secret: /secret: (\S+)/.exec(added.out)![1]! });
    proxy = await startTcpProxy(MARIADB.host, MARIADB.port);
    cluster = await startCluster({
      config: { app_manager: { driver: 'mysql', cache: { ttl: 60, poll_interval_ms: 200 } }, database: { url: db.urlVia(proxy.port), connect_timeout_ms: 2000 } },
    });
  }, 120_000);
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await cluster?.stop();
    await proxy?.close();
    await db?.drop();
  });

  const gateway = (i: number) => ({ ...cluster.gateway(i), app });
  const api = () => apiClient({ ...cluster.apiEndpoint, app }, app);
  /**
   * refused opens a raw socket on gateway `i` and tells whether the gateway answered it with a 4003 close rather
   * than `pusher:connection_established` (whichever comes first; no clock involved).
   */
  const refused = async (i: number): Promise<boolean> => {
    const raw = await rawClient(gateway(i));
    const established = raw.event('pusher:connection_established', undefined, 60_000).then(() => undefined, () => undefined);
    const answer = await Promise.race([raw.closed, established]);
    raw.ws.terminate();
    return answer?.code === 4003;
  };
  const trigger = async () => (await apiCall(() => api().trigger('db-news', 'x', {}))).status;

  it('refuses an app disabled with the CLI on both gateways and the api, and takes it back when enabled', { timeout: 120_000 }, async () => {
    for (const i of [0, 1]) {
      const c = pusherClient(gateway(i));
      clients.push(c);
      await subscribed(c, 'db-news');
    }
    expect(await trigger()).toBe(200);

    expect((await appsCli(db.url, 'disable', 'cl-db-app')).status).toBe(0);
    await waitFor(async () => (await trigger()) === 403, 20_000, 'the api refusing the disabled app');
    for (const i of [0, 1]) {
      await waitFor(() => refused(i), 20_000, `gateway ${i + 1} refusing the disabled app`);
    }

    expect((await appsCli(db.url, 'enable', 'cl-db-app')).status).toBe(0);
    await waitFor(async () => (await trigger()) === 200, 20_000, 'the api accepting the app again');
    for (const i of [0, 1]) {
      // why: each process sees the change at its own next poll; a gateway that has not polled yet still refuses
      // with 4003, after which pusher-js stays disconnected (seen when the api's poll came first).
      await waitFor(async () => !(await refused(i)), 20_000, `gateway ${i + 1} accepting the app again`);
      const c = pusherClient(gateway(i));
      clients.push(c);
      await connected(c);
    }
  });

  it('keeps serving the cached app on every process while the database is down', async () => {
    await proxy.down();
    const c = pusherClient(gateway(1));
    clients.push(c);
    const channel = await subscribed(c, 'db-outage');
    const got = nextEvent(channel, 'still');
    expect((await apiCall(() => api().trigger('db-outage', 'still', { up: true }))).status).toBe(200);
    expect(await got).toEqual({ up: true });
    await proxy.up();
  });
});
