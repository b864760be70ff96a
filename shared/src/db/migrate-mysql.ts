import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mariadb from 'mariadb';
import { mariadbPoolConfig } from './database-url.js';
import { MIGRATION_DIRS, migrationGap, migrationStamp, readMigrations, type AppliedMigration } from './migrations.js';

/** LOCK_NAME is the MySQL named lock that serialises migration runs against one server. */
const LOCK_NAME = 'sockudo_ts_migrate';
const LOCK_WAIT_SECONDS = 60;

// The bookkeeping table Prisma keeps on MySQL, with the same columns, so `prisma migrate status` reads it too.
const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS _prisma_migrations (
  id VARCHAR(36) PRIMARY KEY NOT NULL,
  checksum VARCHAR(64) NOT NULL,
  finished_at DATETIME(3),
  migration_name VARCHAR(255) NOT NULL,
  logs TEXT,
  rolled_back_at DATETIME(3),
  started_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  applied_steps_count INTEGER UNSIGNED NOT NULL DEFAULT 0
) DEFAULT CHARACTER SET utf8mb4`;

/**
 * migrateMysql applies the shipped MySQL/MariaDB migrations (the applications table) that the database at `url`
 * lacks and returns their names in order (empty: already up to date). why not the schema engine: its WebAssembly
 * build has no MySQL connector ("Unsupported adapter provider: Mysql"), and the native engine cannot be
 * downloaded here. This runner keeps Prisma's `_prisma_migrations` bookkeeping (same columns and checksums),
 * holds a named lock while it works, and stops at a failed migration, recording the error in `logs`.
 */
export async function migrateMysql(url: string, dir = MIGRATION_DIRS.mysql): Promise<string[]> {
  const conn = await mariadb.createConnection({ ...mariadbPoolConfig(url), multipleStatements: true });
  try {
    const [lock] = await conn.query<{ got: number | null }[]>('SELECT GET_LOCK(?, ?) AS got', [LOCK_NAME, LOCK_WAIT_SECONDS]);
    if (Number(lock?.got) !== 1) throw new Error(`another migration run holds the lock ${LOCK_NAME} (waited ${LOCK_WAIT_SECONDS} s)`);
    try {
      return await applyPending(conn, dir);
    } finally {
      await conn.query('SELECT RELEASE_LOCK(?)', [LOCK_NAME]);
    }
  } finally {
    await conn.end();
  }
}

async function applyPending(conn: mariadb.Connection, dir: string): Promise<string[]> {
  await conn.query(MIGRATIONS_TABLE);
  const rows = await conn.query<AppliedMigration[]>('SELECT migration_name, finished_at, rolled_back_at FROM _prisma_migrations');
  const shipped = readMigrations(dir);
  const gap = migrationGap(shipped, rows);
  if (gap.failed.length > 0) {
    throw new Error(`migration ${gap.failed.join(', ')} failed earlier; repair the database and mark it rolled back (see shared/prisma/README.md)`);
  }
  const applied: string[] = [];
  for (const migration of shipped.filter((m) => gap.pending.includes(m.name))) {
    const id = randomUUID();
    await conn.query('INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at) VALUES (?, ?, ?, CURRENT_TIMESTAMP(3))', [id, migration.checksum, migration.name]);
    try {
      await conn.query(migration.sql);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      await conn.query('UPDATE _prisma_migrations SET logs = ? WHERE id = ?', [reason, id]);
      throw new Error(`migration ${migration.name} failed: ${reason}`);
    }
    await conn.query('UPDATE _prisma_migrations SET finished_at = CURRENT_TIMESTAMP(3), applied_steps_count = 1 WHERE id = ?', [id]);
    applied.push(migration.name);
  }
  return applied;
}

/**
 * createMysqlMigration starts a new MySQL migration folder with a placeholder script and returns its name. The
 * DDL is written by hand (no MySQL diff offline); shared/test/db/mysql-schema.test.ts fails until the migrated
 * table matches the applications model column for column.
 */
export function createMysqlMigration(name: string, dir = MIGRATION_DIRS.mysql, now = new Date()): string {
  const folder = `${migrationStamp(now)}_${name}`;
  mkdirSync(join(dir, folder), { recursive: true });
  writeFileSync(
    join(dir, folder, 'migration.sql'),
    '-- Write the MySQL/MariaDB DDL that brings `applications` in line with shared/prisma/schema/applications.prisma.\n',
  );
  return folder;
}
