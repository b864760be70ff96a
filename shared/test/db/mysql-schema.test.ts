import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDatabase, openMysqlDatabase, openPostgresDatabase } from '@sockudo-ts/shared';
import { MARIADB, POSTGRES, servicesUp } from '../../../tests/kit/services.js';
import { createMariaDatabase, createPostgresDatabase, type TestDatabase } from './test-databases.js';

// The MySQL migrations are written by hand (the schema engine has no MySQL connector offline); this test holds
// them to the applications model by comparing the migrated MariaDB table with the PostgreSQL one, whose DDL the
// engine generated from the model.

const up = await servicesUp('MySQL schema check', POSTGRES, MARIADB);

interface Column {
  name: string;
  type: string;
  length: number | null;
  nullable: boolean;
  default: string | null;
}

const TYPES: Record<string, string> = {
  'character varying': 'varchar',
  varchar: 'varchar',
  integer: 'int',
  int: 'int',
  boolean: 'bool',
  tinyint: 'bool',
  jsonb: 'json',
  json: 'json',
  longtext: 'json',
  'timestamp without time zone': 'datetime',
  datetime: 'datetime',
};

function normalizeDefault(value: string | null): string | null {
  if (value === null || value === 'NULL') return null;
  const v = value.toLowerCase();
  if (v.startsWith('current_timestamp')) return 'now';
  return v;
}

function column(row: Record<string, unknown>): Column {
  const type = TYPES[String(row.type)] ?? `unknown:${String(row.type)}`;
  let def = normalizeDefault(row.def === null ? null : String(row.def));
  if (type === 'bool' && def !== null) def = def === '1' || def === 'true' ? 'true' : 'false';
  // why: only VARCHAR lengths are part of the model; MariaDB reports its JSON (LONGTEXT) capacity too.
  const length = type === 'varchar' ? Number(row.len) : null;
  return { name: String(row.name), type, length, nullable: row.nullable === 'YES', default: def };
}

describe.skipIf(!up)('MySQL migrations match the applications model', () => {
  let pgDb: TestDatabase;
  let myDb: TestDatabase;
  beforeAll(async () => {
    [pgDb, myDb] = await Promise.all([createPostgresDatabase(), createMariaDatabase()]);
    await Promise.all([migrateDatabase(pgDb.url), migrateDatabase(myDb.url)]);
  });
  afterAll(async () => {
    await Promise.all([pgDb?.drop(), myDb?.drop()]);
  });

  it('creates the same columns (name, order, type, length, nullability, default) and indexes as PostgreSQL', async () => {
    const pg = await openPostgresDatabase({ url: pgDb.url });
    const my = await openMysqlDatabase({ url: myDb.url });
    try {
      const select = 'SELECT column_name AS name, data_type AS type, character_maximum_length AS len, is_nullable AS nullable, column_default AS def FROM information_schema.columns';
      const pgCols = await pg.client.$queryRawUnsafe<Record<string, unknown>[]>(`${select} WHERE table_schema = 'public' AND table_name = 'applications' ORDER BY ordinal_position`);
      const myCols = await my.client.$queryRawUnsafe<Record<string, unknown>[]>(`${select} WHERE table_schema = DATABASE() AND table_name = 'applications' ORDER BY ordinal_position`);
      expect(myCols.map((r) => column(r))).toEqual(pgCols.map((r) => column(r)));
      expect(pgCols.length).toBe(25);

      const pgIdx = await pg.client.$queryRawUnsafe<{ name: string; uniq: boolean; cols: string }[]>(
        `SELECT CASE WHEN ix.indisprimary THEN 'primary' ELSE i.relname END AS name, ix.indisunique AS uniq,
                string_agg(a.attname, ',' ORDER BY k.ord) AS cols
           FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid
           JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
           JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
          WHERE t.relname = 'applications' GROUP BY 1, 2 ORDER BY 1`,
      );
      const myIdx = await my.client.$queryRawUnsafe<{ name: string; uniq: unknown; cols: string }[]>(
        `SELECT CASE WHEN index_name = 'PRIMARY' THEN 'primary' ELSE index_name END AS name, MIN(non_unique) = 0 AS uniq,
                GROUP_CONCAT(column_name ORDER BY seq_in_index) AS cols
           FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = 'applications'
          GROUP BY 1 ORDER BY 1`,
      );
      expect(myIdx.map((r) => ({ ...r, uniq: Number(r.uniq) === 1 }))).toEqual(pgIdx);
    } finally {
      await Promise.all([pg.close(), my.close()]);
    }
  });
});
