import { PostgresDatabase } from '../db/database-postgres.js';
import { CachedAppStore } from './app-store-cached.js';
import type { SqlAppStoreOptions } from './app-store-sql.js';
import { openAppTable } from './app-table-prisma.js';

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
