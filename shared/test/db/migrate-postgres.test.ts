import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseNotMigrated, openPostgresDatabase } from '@sockudo-ts/shared';
import { MIGRATION_DIRS } from '../../src/db/migrations.js';
import { createPostgresMigration, migratePostgres } from '../../src/db/migrate-postgres.js';
import { POSTGRES, servicesUp } from '../../../tests/kit/services.js';
import { createPostgresDatabase, pgAdmin, type TestDatabase } from './test-databases.js';

const up = await servicesUp('PostgreSQL migrations', POSTGRES);
const shipped = readdirSync(MIGRATION_DIRS.postgres).filter((n) => /^\d{14}_/.test(n)).sort();

describe.skipIf(!up)('migratePostgres (schema engine, WebAssembly, real PostgreSQL)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createPostgresDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('refuses an unmigrated database with a message naming the command to run', async () => {
    const database = await openPostgresDatabase({ url: db.url });
    try {
      const err = await database.assertMigrated().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DatabaseNotMigrated);
      expect((err as DatabaseNotMigrated).pending).toEqual(shipped);
      expect((err as Error).message).toContain('npm run db:migrate');
      expect((err as Error).message).toContain(db.name);
    } finally {
      await database.close();
    }
  });

  it('applies every shipped migration once, then nothing (idempotent)', async () => {
    expect(await migratePostgres(db.url)).toEqual(shipped);
    expect(await migratePostgres(db.url)).toEqual([]);
    const database = await openPostgresDatabase({ url: db.url });
    try {
      await database.assertMigrated();
      const tables = await database.client.$queryRawUnsafe<{ t: string }[]>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
      expect(tables.map((r) => r.t)).toEqual(['_prisma_migrations', 'applications', 'channel_history', 'push_device_interests', 'push_devices']);
    } finally {
      await database.close();
    }
  });

  it('refuses a partly migrated database and one with a failed migration', async () => {
    const last = shipped[shipped.length - 1]!;
    await pgAdmin(`UPDATE _prisma_migrations SET finished_at = NULL WHERE migration_name = '${last}'`, db.name);
    const database = await openPostgresDatabase({ url: db.url });
    try {
      const failed = (await database.assertMigrated().catch((e: unknown) => e)) as DatabaseNotMigrated;
      expect(failed.failed).toEqual([last]);
      await pgAdmin(`DELETE FROM _prisma_migrations WHERE migration_name = '${last}'`, db.name);
      const partial = (await database.assertMigrated().catch((e: unknown) => e)) as DatabaseNotMigrated;
      expect(partial).toBeInstanceOf(DatabaseNotMigrated);
      expect(partial.pending).toEqual([last]);
    } finally {
      await database.close();
    }
  });

  it('keeps the migration history and the schema in step: diffing them yields no new migration', async () => {
    expect(await createPostgresMigration(db.url, 'nothing_new')).toBeUndefined();
    const leftovers = await shadowDatabases();
    expect(leftovers).toEqual([]);
  });

  it('writes a new migration from the schema when the history lacks it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sockudo-migrations-'));
    try {
      cpSync(join(MIGRATION_DIRS.postgres, 'migration_lock.toml'), join(dir, 'migration_lock.toml'));
      const folder = await createPostgresMigration(db.url, 'from_scratch', dir, new Date(Date.UTC(2030, 0, 2, 3, 4, 5)));
      expect(folder).toBe('20300102030405_from_scratch');
      const sql = readFileSync(join(dir, folder!, 'migration.sql'), 'utf8');
      expect(sql).toContain('CREATE TABLE "applications"');
      expect(sql).toContain('CREATE TABLE "channel_history"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

async function shadowDatabases(): Promise<string[]> {
  const pg = await import('pg');
  const client = new pg.default.Client({ host: POSTGRES.host, port: POSTGRES.port, user: 'postgres', database: 'postgres' });
  await client.connect();
  try {
    const res = await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'sockudo_shadow_%'`);
    return res.rows.map((r) => r.datname);
  } finally {
    await client.end();
  }
}
