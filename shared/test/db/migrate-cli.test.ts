import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateCli, type CliIo } from '../../src/db/migrate-cli.js';
import { MARIADB, POSTGRES, servicesUp } from '../../../tests/kit/services.js';
import { createMariaDatabase, createPostgresDatabase, type TestDatabase } from './test-databases.js';

const up = await servicesUp('db:migrate command', POSTGRES, MARIADB);

function collect(): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

describe.skipIf(!up)('db:migrate', () => {
  let pgDb: TestDatabase;
  let myDb: TestDatabase;
  beforeAll(async () => {
    [pgDb, myDb] = await Promise.all([createPostgresDatabase(), createMariaDatabase()]);
  });
  afterAll(async () => {
    await Promise.all([pgDb?.drop(), myDb?.drop()]);
  });

  for (const provider of ['PostgreSQL', 'MariaDB'] as const) {
    it(`prints one line per applied migration on ${provider}, then says the database is up to date`, async () => {
      const db = provider === 'PostgreSQL' ? pgDb : myDb;
      const first = collect();
      expect(await migrateCli([], { DATABASE_URL: db.url }, first)).toBe(0);
      expect(first.lines[0]).toMatch(new RegExp(`^applied migration \\d{14}_init to \\w+://127\\.0\\.0\\.1:\\d+/${db.name}$`));
      expect(first.lines.at(-1)).toMatch(/migration\(s\) applied$/);
      const again = collect();
      expect(await migrateCli(['--url', db.url], {}, again)).toBe(0);
      expect(again.lines).toEqual([`${db.url.replace('postgres@', '').replace('root@', '')} is up to date`]);
    });
  }

  it('fails with one line that names the server and never the password', async () => {
    const io = collect();
    expect(await migrateCli(['--url', 'postgres://postgres:s3cr3t-pw@127.0.0.1:1/nowhere'], {}, io)).toBe(1);
    expect(io.errors).toHaveLength(1);
    expect(io.errors[0]).toContain('postgres://127.0.0.1:1/nowhere');
    expect(io.errors[0]).not.toContain('s3cr3t-pw');
  });

  it('explains bad usage with exit status 2', async () => {
    const none = collect();
    expect(await migrateCli([], {}, none)).toBe(2);
    expect(none.errors[0]).toContain('DATABASE_URL');
    const badName = collect();
    expect(await migrateCli(['--create', 'Bad Name'], { DATABASE_URL: pgDb.url }, badName)).toBe(2);
    const badScheme = collect();
    expect(await migrateCli(['--url', 'redis://127.0.0.1:6379'], {}, badScheme)).toBe(2);
    expect(badScheme.errors[0]).toContain('postgres://');
  });
});
