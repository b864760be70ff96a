import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseNotMigrated, openMysqlDatabase } from '@sockudo-ts/shared';
import { migrateMysql } from '../../src/db/migrate-mysql.js';
import { MIGRATION_DIRS, readMigrations } from '../../src/db/migrations.js';
import { MARIADB, servicesUp } from '../../../tests/kit/services.js';
import { createMariaDatabase, mariaAdmin, type TestDatabase } from './test-databases.js';

const up = await servicesUp('MySQL/MariaDB migrations', MARIADB);
const shipped = readMigrations(MIGRATION_DIRS.mysql);

describe.skipIf(!up)('migrateMysql (real MariaDB)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createMariaDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('refuses an unmigrated database with a message naming the command to run', async () => {
    const database = await openMysqlDatabase({ url: db.url });
    try {
      const err = (await database.assertMigrated().catch((e: unknown) => e)) as DatabaseNotMigrated;
      expect(err).toBeInstanceOf(DatabaseNotMigrated);
      expect(err.pending).toEqual(shipped.map((m) => m.name));
      expect(err.message).toContain('npm run db:migrate');
    } finally {
      await database.close();
    }
  });

  it('applies every shipped migration once with Prisma-compatible bookkeeping, then nothing', async () => {
    expect(await migrateMysql(db.url)).toEqual(shipped.map((m) => m.name));
    expect(await migrateMysql(db.url)).toEqual([]);
    const database = await openMysqlDatabase({ url: db.url });
    try {
      await database.assertMigrated();
      const rows = await database.client.$queryRawUnsafe<{ migration_name: string; checksum: string; steps: number }[]>(
        'SELECT migration_name, checksum, applied_steps_count AS steps FROM _prisma_migrations ORDER BY migration_name',
      );
      expect(rows.map((r) => [r.migration_name, r.checksum, Number(r.steps)])).toEqual(shipped.map((m) => [m.name, m.checksum, 1]));
    } finally {
      await database.close();
    }
  });

  it('applies each migration once when two runs race', async () => {
    const other = await createMariaDatabase();
    try {
      const [a, b] = await Promise.all([migrateMysql(other.url), migrateMysql(other.url)]);
      expect([...a, ...b]).toEqual(shipped.map((m) => m.name));
    } finally {
      await other.drop();
    }
  });

  it('stops at a failed migration and records why', async () => {
    const other = await createMariaDatabase();
    try {
      await mariaAdmin('CREATE TABLE applications (id INT)', other.name);
      const err = (await migrateMysql(other.url).catch((e: unknown) => e)) as Error;
      expect(err.message).toMatch(/migration \d{14}_init failed: .*already exists/);
      const database = await openMysqlDatabase({ url: other.url });
      try {
        const refused = (await database.assertMigrated().catch((e: unknown) => e)) as DatabaseNotMigrated;
        expect(refused.failed).toEqual([shipped[0]!.name]);
      } finally {
        await database.close();
      }
      await expect(migrateMysql(other.url)).rejects.toThrow(/failed earlier/);
    } finally {
      await other.drop();
    }
  });
});
