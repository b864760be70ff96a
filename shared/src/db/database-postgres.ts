import { PrismaPg } from '@prisma/adapter-pg';
import { DEFAULT_CONNECT_TIMEOUT_MS, postgresPoolConfig } from './database-url.js';
import { PrismaDatabase, checkMigrated, databaseUnavailable, type DatabaseOptions } from './database.js';
import { PrismaClient } from './generated/postgres/client.js';

/** PostgresClient is the Prisma client of the project schema (every table: apps, history, push). */
export type PostgresClient = PrismaClient;

/** PostgresDatabaseOptions configure a PostgresDatabase. */
export interface PostgresDatabaseOptions extends DatabaseOptions {
  /** queryTimeoutMs bounds each query so a stalled server fails calls instead of hanging them; default 5000 ms, zero: none. */
  queryTimeoutMs?: number;
}

/**
 * PostgresDatabase is a pool of connections to the project's PostgreSQL database, reached through the
 * generated Prisma client and the pg driver adapter. `open` checks the server answers, so a database that is
 * down at start fails there with DependencyUnavailable('postgres').
 */
export class PostgresDatabase extends PrismaDatabase<PostgresClient> {
  readonly provider = 'postgres';

  private constructor(options: PostgresDatabaseOptions) {
    const config = postgresPoolConfig(options.url, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, options.queryTimeoutMs ?? 5000);
    // why: an idle pooled connection that the server drops emits 'error'; without a listener that is an uncaught
    // exception. The next query reconnects (or fails with DependencyUnavailable).
    super(options.url, new PrismaClient({ adapter: new PrismaPg(config, { onPoolError: () => undefined, onConnectionError: () => undefined }) }));
  }

  /** open connects and runs one query; it rejects with DependencyUnavailable('postgres') when the server cannot be reached. */
  static async open(options: PostgresDatabaseOptions): Promise<PostgresDatabase> {
    const db = new PostgresDatabase(options);
    try {
      await db.client.$queryRawUnsafe('SELECT 1');
    } catch (err) {
      await db.close().catch(() => undefined);
      throw databaseUnavailable('postgres', options.url, 'connecting', err);
    }
    return db;
  }

  /**
   * openMigrated opens the database and refuses one that lacks the shipped migrations (DatabaseNotMigrated,
   * naming `npm run db:migrate`); the stores that own a connection open it this way.
   */
  static async openMigrated(options: PostgresDatabaseOptions): Promise<PostgresDatabase> {
    const db = await PostgresDatabase.open(options);
    try {
      await db.assertMigrated();
    } catch (err) {
      await db.close().catch(() => undefined);
      throw err;
    }
    return db;
  }

  async assertMigrated(): Promise<void> {
    await checkMigrated('postgres', this.url, this.client, `SELECT (to_regclass('_prisma_migrations') IS NOT NULL)::int AS present`);
  }
}
