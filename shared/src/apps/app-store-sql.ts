import { databaseProvider } from '../db/database-url.js';
import type { CachedAppStore, CachedAppStoreOptions } from './app-store-cached.js';

/** SqlAppStoreOptions configure an app store on a SQL database (`app_manager.driver = postgres | mysql`). */
export interface SqlAppStoreOptions extends CachedAppStoreOptions {
  /** url is the database URL (`postgres://` or `mysql://`); it may carry a password, which never appears in errors or logs. */
  url: string;
  /** connectTimeoutMs bounds opening a connection; default 5000 ms. */
  connectTimeoutMs?: number;
}

/**
 * openSqlAppStore opens PostgresAppStore or MysqlAppStore, chosen by the URL's scheme. It loads Prisma and the
 * database driver only now (why: they cost every process ~0.3 s of CPU and ~20 MB at start, and most processes
 * never use them). It rejects with DependencyUnavailable when the database cannot be reached and with
 * DatabaseNotMigrated when it lacks the shipped migrations.
 */
export async function openSqlAppStore(options: SqlAppStoreOptions): Promise<CachedAppStore> {
  if (databaseProvider(options.url) === 'postgres') return (await import('./app-store-postgres.js')).PostgresAppStore.open(options);
  return (await import('./app-store-mysql.js')).MysqlAppStore.open(options);
}
