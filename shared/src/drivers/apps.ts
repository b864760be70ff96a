import type { AppStore } from '../apps/app-store.js';
import { MemoryAppStore } from '../apps/app-store-memory.js';
import type { CachedAppStore } from '../apps/app-store-cached.js';
import type { SqlAppStoreOptions } from '../apps/app-store-sql.js';
import { ConfigError, type ServerConfig } from '../config/config.js';
import { databaseProvider, databaseUrl, type DatabaseProvider } from '../db/database-url.js';
import type { Logger } from '../telemetry/logger.js';
import type { Opened } from './opened.js';

/**
 * openAppStore opens the app store `app_manager.driver` names: `memory` serves `app_manager.array.apps`;
 * `postgres` and `mysql` read the `applications` table of the project database through Prisma (loaded only
 * then), cached per `app_manager.cache`, with a readiness probe. Fails with DependencyUnavailable when the
 * database does not answer at start, and with DatabaseNotMigrated when it lacks the migrations.
 */
export async function openAppStore(config: Pick<ServerConfig, 'app_manager' | 'database'>, logger?: Logger): Promise<Opened<AppStore>> {
  const { driver, cache } = config.app_manager;
  if (driver === 'memory' || driver === 'array') {
    const apps = new MemoryAppStore(config.app_manager.array.apps);
    return { port: apps, close: async () => {} };
  }
  const store = await openSqlAppStore({
    url: appDatabaseUrl(config, driver),
    cacheTtlMs: cache.enabled ? cache.ttl * 1000 : 0,
    pollIntervalMs: cache.poll_interval_ms,
    connectTimeoutMs: config.database.connect_timeout_ms,
    logger,
  });
  return { port: store, probe: { name: driver, ready: () => store.ready() }, close: () => store.close() };
}

/** appDatabaseUrl is `database.url`, or the URL built from `database.postgres` / `database.mysql`. */
function appDatabaseUrl(config: Pick<ServerConfig, 'database'>, driver: DatabaseProvider): string {
  const { database } = config;
  if (database.url === '') return databaseUrl(driver, database[driver]);
  let provider: DatabaseProvider;
  try {
    provider = databaseProvider(database.url);
  } catch (err) {
    throw new ConfigError(`database.url: ${(err as Error).message}`);
  }
  if (provider !== driver) throw new ConfigError(`database.url: app_manager.driver is ${driver} but the URL is a ${provider} URL`);
  return database.url;
}

/**
 * openSqlAppStore opens PostgresAppStore or MysqlAppStore, chosen by the URL's scheme. It loads Prisma and the
 * database driver only now (why: they cost every process ~0.3 s of CPU and ~20 MB at start, and most processes
 * never use them). It rejects with DependencyUnavailable when the database cannot be reached and with
 * DatabaseNotMigrated when it lacks the shipped migrations.
 */
export async function openSqlAppStore(options: SqlAppStoreOptions): Promise<CachedAppStore> {
  if (databaseProvider(options.url) === 'postgres') return (await import('../apps/app-store-postgres.js')).PostgresAppStore.open(options);
  return (await import('../apps/app-store-mysql.js')).MysqlAppStore.open(options);
}
