import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import mariadb from 'mariadb';
import { DEFAULT_CONNECT_TIMEOUT_MS, mariadbPoolConfig } from './database-url.js';
import { PrismaDatabase, checkMigrated, databaseUnavailable, type DatabaseOptions } from './database.js';
import { PrismaClient } from './generated/mysql/client.js';

/** MysqlClient is the Prisma client of the MySQL/MariaDB schema (the applications table only). */
export type MysqlClient = PrismaClient;

/**
 * MysqlDatabase is a pool of connections to a MySQL or MariaDB database holding the applications table, reached
 * through the generated MySQL Prisma client and the mariadb driver adapter. `open` checks the server answers,
 * so a database that is down at start fails there with DependencyUnavailable('mysql').
 */
export class MysqlDatabase extends PrismaDatabase<MysqlClient> {
  readonly provider = 'mysql';

  private constructor(options: DatabaseOptions) {
    super(options.url, new PrismaClient({ adapter: new PrismaMariaDb(mariadbPoolConfig(options.url, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS)) }));
  }

  /** open connects once and rejects with DependencyUnavailable('mysql') when the server cannot be reached. */
  static async open(options: DatabaseOptions): Promise<MysqlDatabase> {
    // why: one plain connection first, because the pool only ever reports "pool timeout" and hides the cause
    // (connection refused, access denied, unknown database) that an operator needs to read.
    try {
      const probe = await mariadb.createConnection(mariadbPoolConfig(options.url, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS));
      await probe.end();
    } catch (err) {
      throw databaseUnavailable('mysql', options.url, 'connecting', err);
    }
    return new MysqlDatabase(options);
  }

  async assertMigrated(): Promise<void> {
    const exists = `SELECT COUNT(*) AS present FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = '_prisma_migrations'`;
    await checkMigrated('mysql', this.url, this.client, exists);
  }
}
