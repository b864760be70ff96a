import { PostgresDatabase } from '../db/database-postgres.js';
import { CachedAppStore, type CachedAppStoreOptions } from './app-store-cached.js';
import { openAppTable } from './app-table-prisma.js';

/** SqlAppStoreOptions configure an app store on a SQL database (`app_manager.driver = postgres | mysql`). */
export interface SqlAppStoreOptions extends CachedAppStoreOptions {
  /** url is the database URL; it may carry a password, which never appears in errors or logs. */
  url: string;
  /** connectTimeoutMs bounds opening a connection; default 5000 ms. */
  connectTimeoutMs?: number;
}

/**
 * PostgresAppStore serves apps from the `applications` table of the project's PostgreSQL database, cached as
 * CachedAppStore describes. `open` rejects with DependencyUnavailable('postgres') when the database cannot be
 * reached and with DatabaseNotMigrated when it lacks the shipped migrations.
 */
export class PostgresAppStore extends CachedAppStore {
  /** open connects, checks the migrations and reads the change marker; the store owns the connection. */
  static async open(options: SqlAppStoreOptions): Promise<PostgresAppStore> {
    const db = await PostgresDatabase.open({ url: options.url, ...(options.connectTimeoutMs ? { connectTimeoutMs: options.connectTimeoutMs } : {}) });
    const { table, marker } = await openAppTable(db, options.logger);
    return new PostgresAppStore(table, 'postgres', marker, options);
  }
}
