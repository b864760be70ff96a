import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MigrationList, SchemaFilter } from '@prisma/schema-engine-wasm';
import { MIGRATION_DIRS, SCHEMA_DIRS, migrationStamp, readMigrations, readSchemaFiles } from './migrations.js';
import { openSchemaEngine, withPanic } from './schema-engine.js';

const NO_FILTER: SchemaFilter = { externalTables: [], externalEnums: [] };
const LOCKFILE = 'migration_lock.toml';
const LOCKFILE_TEXT = '# Written by the migrate tooling; keep it in version control.\nprovider = "postgresql"\n';

/** migrationList describes a migrations folder the way the schema engine reads it. */
function migrationList(dir: string): MigrationList {
  return {
    baseDir: dir,
    lockfile: { path: LOCKFILE, content: existsSync(join(dir, LOCKFILE)) ? readFileSync(join(dir, LOCKFILE), 'utf8') : null },
    shadowDbInitScript: '',
    migrationDirectories: readMigrations(dir).map((m) => ({
      path: m.name,
      migrationFile: { path: 'migration.sql', content: { tag: 'ok', value: m.sql } },
    })),
  };
}

/**
 * migratePostgres applies the project's shipped migrations that the PostgreSQL database at `url` lacks, through
 * Prisma's schema engine (WebAssembly, offline), and returns their names in order (empty: already up to date).
 * The engine holds an advisory lock while it applies, so concurrent runs apply each migration once.
 */
export async function migratePostgres(url: string, dir = MIGRATION_DIRS.postgres): Promise<string[]> {
  const session = await openSchemaEngine(url, readSchemaFiles(SCHEMA_DIRS.postgres));
  try {
    const out = await session.engine.applyMigrations({ migrationsList: migrationList(dir), filters: NO_FILTER });
    return out.appliedMigrationNames;
  } catch (err) {
    throw withPanic(err);
  } finally {
    await session.close();
  }
}

/**
 * createPostgresMigration writes a new migration `<timestamp>_<name>/migration.sql` holding the SQL that takes
 * the shipped history to the current project schema, computed by the schema engine on a scratch (shadow)
 * database of the server at `url`. It returns the folder name, or undefined when the schema has no change.
 */
export async function createPostgresMigration(url: string, name: string, dir = MIGRATION_DIRS.postgres, now = new Date()): Promise<string | undefined> {
  const files = readSchemaFiles(SCHEMA_DIRS.postgres);
  mkdirSync(dir, { recursive: true });
  // why: the engine takes the provider of a migration history from its lockfile, even an empty history's.
  if (!existsSync(join(dir, LOCKFILE))) writeFileSync(join(dir, LOCKFILE), LOCKFILE_TEXT);
  const session = await openSchemaEngine(url, files);
  let script: string | null;
  try {
    const diff = await session.engine.diff({
      from: { tag: 'migrations', ...migrationList(dir) },
      to: { tag: 'schemaDatamodel', files },
      script: true,
      exitCode: true,
      filters: NO_FILTER,
    });
    // why: with exitCode set the engine answers 2 when the schema differs from the history, 0 when not.
    script = diff.exitCode === 2 ? diff.stdout : null;
  } catch (err) {
    throw withPanic(err);
  } finally {
    await session.close();
  }
  if (script === null) return undefined;
  const folder = `${migrationStamp(now)}_${name}`;
  mkdirSync(join(dir, folder), { recursive: true });
  writeFileSync(join(dir, folder, 'migration.sql'), script);
  return folder;
}
