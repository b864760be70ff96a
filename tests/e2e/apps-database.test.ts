import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandalone, type RunningServer } from '@sockudo-ts/standalone';
import { buildConfig, createLogger, migrateDatabase } from '@sockudo-ts/shared';
import { apiCall, apiClient, connected, freePort, nextEvent, POSTGRES, pusherClient, rawClient, servicesUp, subscribed, waitFor, type PusherClient, type TestApp, type TestServer } from '../kit/index.js';
import { appsCli, createPostgresDatabase, type TestDatabase } from '../kit/databases.js';
import { buildOnce } from '../kit/process.js';

const up = await servicesUp('apps from PostgreSQL', POSTGRES);

/** start runs the embedded server with apps from `url`, logging into `logs`. */
function start(url: string, logs: string[]): Promise<RunningServer> {
  const values = {
    host: '127.0.0.1',
    port: 0,
    metrics: { host: '127.0.0.1', port: 0 },
    app_manager: { driver: 'postgres', cache: { ttl: 60, poll_interval_ms: 200 } },
    database: { url },
  };
  const destination = new Writable({ write: (chunk, _enc, done) => done(void logs.push(String(chunk))) });
  return startStandalone(buildConfig([{ name: 'test', values }], {}), createLogger({ level: 'debug', service: 'test', destination }));
}

// Apps in the project database (issue 15 §2): the embedded server reads them through Prisma, caches them, and
// sees an app disabled in the table within the poll interval; a database that is down or not migrated stops
// start-up with a clear line.
describe.skipIf(!up)('apps from PostgreSQL', () => {
  let db: TestDatabase;
  let server: RunningServer;
  let app: TestApp;
  const logs: string[] = [];
  const clients: PusherClient[] = [];
  beforeAll(async () => {
    buildOnce();
    db = await createPostgresDatabase();
    await migrateDatabase(db.url);
    const added = await appsCli(db.url, 'add', '--id', 'db-app', '--key', 'db-key', '--set', 'enable_client_messages=true');
    expect(added.status).toBe(0);
    app = { id: 'db-app', key: 'db-key', secret: /secret: (\S+)/.exec(added.out)![1]! } as TestApp;
    server = await start(db.url, logs);
  }, 120_000);
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await server?.stop();
    await db?.drop();
  });

  const target = (): TestServer => ({ host: '127.0.0.1', port: server.port, app, apps: [app] }) as unknown as TestServer;

  it('serves an app added with the apps CLI to pusher-js and the SDK', async () => {
    const client = pusherClient(target());
    clients.push(client);
    const channel = await subscribed(client, 'from-db');
    const got = nextEvent(channel, 'hello');
    await apiClient(target()).trigger('from-db', 'hello', { via: 'postgres' });
    expect(await got).toEqual({ via: 'postgres' });
    expect(logs.join('')).not.toContain(app.secret);
  });

  it('refuses an app disabled in the database within the poll interval, on sockets and the HTTP API', { timeout: 60_000 }, async () => {
    expect((await appsCli(db.url, 'disable', 'db-app')).status).toBe(0);
    await waitFor(async () => (await apiCall(() => apiClient(target()).trigger('from-db', 'x', {}))).status === 403, 5000, 'the API refusing the disabled app');
    const raw = await rawClient(target());
    expect(await raw.closed).toMatchObject({ code: 4003 });
    expect((await appsCli(db.url, 'enable', 'db-app')).status).toBe(0);
    await waitFor(async () => (await apiCall(() => apiClient(target()).trigger('from-db', 'x', {}))).status === 200, 5000, 'the app accepted again');
    const client = pusherClient(target());
    clients.push(client);
    await connected(client);
  });

  it('stops start-up with one clear line when the database is down or not migrated', async () => {
    const closed = await freePort();
    const down = await start(`postgres://postgres:pg-s3cret@127.0.0.1:${closed}/nope`, []).then(
      () => undefined,
      (err: Error & { detail?: string }) => `${err.message} ${err.detail ?? ''}`,
    );
    expect(down).toMatch(/postgres/i);
    expect(down).toContain(`127.0.0.1:${closed}`);
    expect(down).not.toContain('pg-s3cret');
    const empty = await createPostgresDatabase();
    try {
      await expect(start(empty.url, [])).rejects.toThrow(/is not migrated: .* run `npm run db:migrate`/);
    } finally {
      await empty.drop();
    }
  });
});
