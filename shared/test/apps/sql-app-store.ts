import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  APP_DEFAULTS,
  DatabaseNotMigrated,
  DependencyUnavailable,
  PrismaAppTable,
  asAppId,
  createLogger,
  migrateDatabase,
  openMysqlDatabase,
  openPostgresDatabase,
  openSqlAppStore,
  type App,
  type CachedAppStore,
  type SqlAppStoreOptions,
} from '@sockudo-ts/shared';
import { startTcpProxy, type TcpProxy } from '../../../tests/kit/tcp-proxy.js';
import { createMariaDatabase, createPostgresDatabase, mariaAdmin, pgAdmin, type TestDatabase } from '../../../tests/kit/databases.js';
import { describeAppStoreContract } from './app-store-contract.js';

type Provider = 'postgres' | 'mysql';

const PROVIDERS = {
  postgres: { create: createPostgresDatabase, raw: pgAdmin, database: openPostgresDatabase, quote: '"' },
  mysql: { create: createMariaDatabase, raw: mariaAdmin, database: openMysqlDatabase, quote: '`' },
} as const;

const app = (id: string, extra: Partial<App> = {}): App => ({ ...APP_DEFAULTS, id: asAppId(id), key: `${id}-key`, secret: `${id}-secret`, ...extra });

/**
 * describeSqlAppStore runs the AppStore contract and the cache policy (TTL, invalidation on change, outage)
 * against PostgresAppStore or MysqlAppStore on a database of its own on the machine's server.
 */
export function describeSqlAppStore(provider: Provider): void {
  const p = PROVIDERS[provider];
  let db: TestDatabase;
  const stores: CachedAppStore[] = [];
  const proxies: TcpProxy[] = [];

  /** table opens a writer on the database, as the apps CLI does. */
  const withTable = async <T>(use: (table: PrismaAppTable) => Promise<T>): Promise<T> => {
    const table = new PrismaAppTable(await p.database({ url: db.url }), () => undefined);
    try {
      return await use(table);
    } finally {
      await table.close();
    }
  };
  const seed = (apps: App[]): Promise<void> =>
    withTable(async (table) => {
      await p.raw('DELETE FROM applications', db.name);
      for (const a of apps) await table.insert(a);
    });
  const open = async (options: Partial<SqlAppStoreOptions> = {}): Promise<CachedAppStore> => {
    const store = await openSqlAppStore({ url: db.url, ...options });
    stores.push(store);
    return store;
  };
  const proxy = async (): Promise<TcpProxy> => {
    const u = new URL(db.url);
    const created = await startTcpProxy(u.hostname, Number(u.port));
    proxies.push(created);
    return created;
  };

  beforeAll(async () => {
    db = await p.create();
    await migrateDatabase(db.url);
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await Promise.all(proxies.splice(0).map((x) => x.close()));
  });
  afterAll(async () => {
    await db?.drop();
  });

  describeAppStoreContract(`${provider} app store`, false, async (apps) => {
    await seed(apps);
    const store = await openSqlAppStore({ url: db.url });
    return { store, dispose: () => store.close() };
  });

  describe(`${provider} app store: cache policy`, () => {
    it('refuses an app disabled through the table within the poll interval, with a long TTL', async () => {
      await seed([app('a')]);
      const store = await open({ cacheTtlMs: 60_000, pollIntervalMs: 100 });
      expect(store.constructor.name).toBe(provider === 'postgres' ? 'PostgresAppStore' : 'MysqlAppStore');
      expect((await store.byKey('a-key'))?.enabled).toBe(true);
      await withTable((table) => table.update(asAppId('a'), { enabled: false }));
      await vi.waitFor(async () => expect((await store.byKey('a-key'))?.enabled).toBe(false), { timeout: 10_000, interval: 50 });
    });

    it('sees a plain SQL update (made outside Prisma) by the poll too: updated_at moves on the database clock', async () => {
      await seed([app('a')]);
      const store = await open({ cacheTtlMs: 60_000, pollIntervalMs: 100 });
      expect((await store.byId(asAppId('a')))?.enabled).toBe(true);
      await p.raw(`UPDATE applications SET enabled = false WHERE id = 'a'`, db.name);
      await vi.waitFor(async () => expect((await store.byId(asAppId('a')))?.enabled).toBe(false), { timeout: 10_000, interval: 50 });
    });

    it('serves from the cache within the TTL and reads the table again after it', async () => {
      await seed([app('a')]);
      // why: a TTL long enough that the update below (its own connection) lands within it on a loaded machine.
      const store = await open({ cacheTtlMs: 3000, pollIntervalMs: 60_000 });
      expect((await store.byId(asAppId('a')))?.max_connections).toBe(0);
      await p.raw(`UPDATE applications SET max_connections = 7 WHERE id = 'a'`, db.name);
      expect((await store.byId(asAppId('a')))?.max_connections).toBe(0);
      await new Promise((r) => setTimeout(r, 3100));
      expect((await store.byId(asAppId('a')))?.max_connections).toBe(7);
    });

    it('finds an app added after its key was looked up, and forgets a deleted one', async () => {
      await seed([app('a')]);
      const store = await open({ cacheTtlMs: 60_000, pollIntervalMs: 100 });
      expect(await store.byKey('b-key')).toBeUndefined();
      await withTable((table) => table.insert(app('b')));
      await vi.waitFor(async () => expect((await store.byKey('b-key'))?.id).toBe('b'), { timeout: 10_000, interval: 50 });
      await p.raw(`DELETE FROM applications WHERE id = 'a'`, db.name);
      await vi.waitFor(async () => expect(await store.byId(asAppId('a'))).toBeUndefined(), { timeout: 10_000, interval: 50 });
      expect((await store.all()).map((a) => a.id)).toEqual(['b']);
    });

    it('keeps serving cached apps while the database is down, refuses what it never saw, and recovers', async () => {
      await seed([app('a'), app('b')]);
      const link = await proxy();
      const store = await open({ url: db.urlVia(link.port), cacheTtlMs: 200, pollIntervalMs: 100 });
      expect((await store.byKey('a-key'))?.id).toBe('a');
      expect(await store.all()).toHaveLength(2);
      expect(store.ready()).toBe(true);
      await link.down();
      // why: the poll notices the outage once its query fails, which takes up to the pool's acquire timeout.
      await vi.waitFor(() => expect(store.ready()).toBe(false), { timeout: 10_000, interval: 50 });
      await new Promise((r) => setTimeout(r, 300));
      expect((await store.byKey('a-key'))?.id).toBe('a');
      expect((await store.byId(asAppId('a')))?.key).toBe('a-key');
      expect(await store.all()).toHaveLength(2);
      const err = await store.byKey('b-key').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DependencyUnavailable);
      expect((err as DependencyUnavailable).dependency).toBe(provider);
      await p.raw(`UPDATE applications SET enabled = false WHERE id = 'a'`, db.name);
      await link.up();
      await vi.waitFor(async () => expect((await store.byKey('b-key'))?.id).toBe('b'), { timeout: 10_000, interval: 100 });
      expect(store.ready()).toBe(true);
      expect((await store.byKey('a-key'))?.enabled).toBe(false);
    });

    it('keeps its cache across an outage in which the table did not change, so a second outage still finds the apps', async () => {
      await seed([app('a')]);
      const link = await proxy();
      const store = await open({ url: db.urlVia(link.port), cacheTtlMs: 60_000, pollIntervalMs: 100 });
      expect((await store.byKey('a-key'))?.id).toBe('a');
      for (let outage = 1; outage <= 2; outage++) {
        await link.down();
        await vi.waitFor(() => expect(store.ready()).toBe(false), { timeout: 10_000, interval: 50 });
        // why: with the database down, only the cache can answer; in the second outage, that is the cache kept
        // when the database came back after the first.
        expect((await store.byKey('a-key'))?.id).toBe('a');
        expect((await store.byId(asAppId('a')))?.key).toBe('a-key');
        await link.up();
        await vi.waitFor(() => expect(store.ready()).toBe(true), { timeout: 10_000, interval: 50 });
      }
    });

    it('fails to open with DependencyUnavailable when the database is down at start', async () => {
      const link = await proxy();
      await link.down();
      const err = await open({ url: db.urlVia(link.port) }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DependencyUnavailable);
      expect((err as DependencyUnavailable).detail).toContain(`127.0.0.1:${link.port}/${db.name}`);
    });

    it('refuses to open on an unmigrated database, naming the command to run', async () => {
      const bare = await p.create();
      try {
        const err = await open({ url: bare.url }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(DatabaseNotMigrated);
        expect((err as Error).message).toContain('npm run db:migrate');
      } finally {
        await bare.drop();
      }
    });

    it("reads a row inserted the way Sockudo inserts one, with NULL limits as Pusher's defaults", async () => {
      await seed([]);
      const key = `${p.quote}key${p.quote}`;
      await p.raw(
        `INSERT INTO applications (id, ${key}, secret, max_connections, enable_client_messages, enabled, max_client_events_per_second, webhooks, allowed_origins)
         VALUES ('sockudo', 'sockudo-key', 'sockudo-secret', 1000, true, true, 100, '[{"url":"https://h.example/w","event_types":["channel_vacated"]}]', '["https://*.example.com"]')`,
        db.name,
      );
      const store = await open();
      expect(await store.byKey('sockudo-key')).toEqual({
        ...app('sockudo', { max_connections: 1000, enable_client_messages: true, max_client_events_per_second: 100, allowed_origins: ['https://*.example.com'] }),
        webhooks: [{ url: 'https://h.example/w', event_types: ['channel_vacated'], headers: {} }],
      });
    });

    it('refuses an app whose JSON columns are invalid and logs why, without its secret', async () => {
      await seed([app('good'), app('bad')]);
      await p.raw(`UPDATE applications SET webhooks = '{"url":"not a list"}' WHERE id = 'bad'`, db.name);
      const lines: string[] = [];
      const destination = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
      const store = await open({ logger: createLogger({ level: 'info', service: 'test', destination }) });
      expect(await store.byId(asAppId('bad'))).toBeUndefined();
      expect((await store.all()).map((a) => a.id)).toEqual(['good']);
      const logged = lines.join('');
      expect(logged).toContain('"app_id":"bad"');
      expect(logged).toContain('webhooks must be a JSON list');
      expect(logged).not.toContain('bad-secret');
    });
  });
}
