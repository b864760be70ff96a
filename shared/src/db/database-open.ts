import type { MysqlDatabase } from './database-mysql.js';
import type { PostgresDatabase, PostgresDatabaseOptions } from './database-postgres.js';
import type { DatabaseOptions } from './database.js';
import { databaseProvider } from './database-url.js';

// why: these load Prisma, the drivers and (for migrations) the schema engine only when called; importing them
// from the package index would cost every process ~0.3 s of CPU and ~20 MB at start.

/** openPostgresDatabase opens the project's PostgreSQL database (PostgresDatabase.open, loaded on first use). */
export async function openPostgresDatabase(options: PostgresDatabaseOptions): Promise<PostgresDatabase> {
  return (await import('./database-postgres.js')).PostgresDatabase.open(options);
}

/** openMysqlDatabase opens a MySQL/MariaDB database holding the applications table (loaded on first use). */
export async function openMysqlDatabase(options: DatabaseOptions): Promise<MysqlDatabase> {
  return (await import('./database-mysql.js')).MysqlDatabase.open(options);
}

/**
 * migrateDatabase applies the shipped migrations the database at `url` lacks (PostgreSQL: every table, through
 * the schema engine; MySQL/MariaDB: the applications table) and returns their names in order.
 */
export async function migrateDatabase(url: string): Promise<string[]> {
  if (databaseProvider(url) === 'postgres') return (await import('./migrate-postgres.js')).migratePostgres(url);
  return (await import('./migrate-mysql.js')).migrateMysql(url);
}
