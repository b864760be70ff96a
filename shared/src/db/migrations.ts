import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatabaseProvider } from './database-url.js';

// why: both src/db and dist/db sit two levels below shared/, so one relative path serves tests and builds.
const PRISMA_DIR = fileURLToPath(new URL('../../prisma/', import.meta.url));

/** SCHEMA_DIRS are the Prisma schema folders: the project schema (PostgreSQL) and the MySQL apps-only schema. */
export const SCHEMA_DIRS: Record<DatabaseProvider, string> = {
  postgres: join(PRISMA_DIR, 'schema'),
  mysql: join(PRISMA_DIR, 'mysql'),
};

/** MIGRATION_DIRS are the migration histories shipped with the code, one per provider. */
export const MIGRATION_DIRS: Record<DatabaseProvider, string> = {
  postgres: join(PRISMA_DIR, 'migrations'),
  mysql: join(PRISMA_DIR, 'mysql', 'migrations'),
};

/** MIGRATE_COMMAND is what an operator runs to migrate, named in every "not migrated" message. */
export const MIGRATE_COMMAND = '`npm run db:migrate` (in a container: `node shared/dist/db/migrate-cli.js`) with DATABASE_URL set to this database';

/** Migration is one migration folder: its name (`<timestamp>_<name>`), SQL script and Prisma-style checksum. */
export interface Migration {
  name: string;
  sql: string;
  /** checksum is the SHA-256 of the script in hex, as Prisma stores it in `_prisma_migrations`. */
  checksum: string;
}

/** readMigrations lists the migrations in a folder in the order they apply (by name, timestamps first). */
export function readMigrations(dir: string): Migration[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/** MIGRATION_NAME is what a new migration's name may contain: lower-case words joined by underscores. */
export const MIGRATION_NAME = /^[a-z0-9]+(?:_[a-z0-9]+)*$/;

/** migrationStamp is the UTC timestamp prefix of a new migration folder, `YYYYMMDDHHMMSS`. */
export function migrationStamp(now: Date): string {
  return now.toISOString().replace(/\D/g, '').slice(0, 14);
}

/** SchemaFile is one `.prisma` file of a schema folder: its path and content. */
export interface SchemaFile {
  path: string;
  content: string;
}

/** readSchemaFiles reads the `.prisma` files of a schema folder (sorted by name), as the schema engine takes them. */
export function readSchemaFiles(dir: string): SchemaFile[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.prisma'))
    .sort()
    .map((name) => ({ path: join(dir, name), content: readFileSync(join(dir, name), 'utf8') }));
}

/** AppliedMigration is one row of `_prisma_migrations`. */
export interface AppliedMigration {
  migration_name: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/** MigrationGap says how a database differs from the shipped history: empty lists mean it is up to date. */
export interface MigrationGap {
  /** pending are shipped migrations the database has not finished. */
  pending: string[];
  /** failed are migrations that started and did not finish (and were not rolled back). */
  failed: string[];
}

/** migrationGap compares the shipped migrations with the rows of `_prisma_migrations`. */
export function migrationGap(shipped: readonly Migration[], applied: readonly AppliedMigration[]): MigrationGap {
  const live = applied.filter((row) => row.rolled_back_at === null);
  const finished = new Set(live.filter((row) => row.finished_at !== null).map((row) => row.migration_name));
  const failed = [...new Set(live.filter((row) => row.finished_at === null).map((row) => row.migration_name))];
  const pending = shipped.map((m) => m.name).filter((name) => !finished.has(name) && !failed.includes(name));
  return { pending, failed };
}

/**
 * DatabaseNotMigrated stops a service that finds its database behind the code: it names the migrations that
 * are missing or failed and the command to run. It carries no credentials.
 */
export class DatabaseNotMigrated extends Error {
  /** pending are the shipped migrations the database lacks. */
  readonly pending: string[];
  /** failed are migrations that started and did not finish. */
  readonly failed: string[];

  constructor(where: string, gap: MigrationGap) {
    const parts = [
      gap.pending.length > 0 ? `${gap.pending.length} migration(s) not applied (${gap.pending.join(', ')})` : '',
      gap.failed.length > 0 ? `failed migration(s) ${gap.failed.join(', ')} (repair the database, see shared/prisma/README.md)` : '',
    ].filter(Boolean);
    super(`database ${where} is not migrated: ${parts.join('; ')}; run ${MIGRATE_COMMAND}`);
    this.name = 'DatabaseNotMigrated';
    this.pending = gap.pending;
    this.failed = gap.failed;
  }
}
