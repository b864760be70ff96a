import { MysqlDatabase } from '../db/database-mysql.js';
import { CachedAppStore } from './app-store-cached.js';
import type { SqlAppStoreOptions } from './app-store-sql.js';
import { openAppTable } from './app-table-prisma.js';

/**
 * MysqlAppStore serves apps from the `applications` table of a MySQL or MariaDB database (Sockudo's
 * `app_manager.driver = mysql`), cached as CachedAppStore describes. `open` rejects with
 * DependencyUnavailable('mysql') when the database cannot be reached and with DatabaseNotMigrated when it lacks
 * the shipped MySQL migrations.
 */
export class MysqlAppStore extends CachedAppStore {
  /** open connects, checks the migrations and reads the change marker; the store owns the connection. */
  static async open(options: SqlAppStoreOptions): Promise<MysqlAppStore> {
    const db = await MysqlDatabase.open({ url: options.url, ...(options.connectTimeoutMs ? { connectTimeoutMs: options.connectTimeoutMs } : {}) });
    const { table, marker } = await openAppTable(db, options.logger);
    return new MysqlAppStore(table, 'mysql', marker, options);
  }
}
