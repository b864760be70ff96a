import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createMysqlMigration, migrateMysql } from './migrate-mysql.js';
import { createPostgresMigration, migratePostgres } from './migrate-postgres.js';
import { databaseProvider, redactUrl, scrubSecrets } from './database-url.js';
import { MIGRATION_NAME } from './migrations.js';

const USAGE = `usage: npm run db:migrate [-- --url URL] [-- --create NAME]
  Applies the shipped migrations to the database at URL (default: $DATABASE_URL), PostgreSQL or MySQL/MariaDB.
  --create NAME  writes a new migration from the schema's changes (PostgreSQL: computed; MySQL: a stub to fill in)`;

/** CliIo is where a command line tool writes; tests pass collectors, the entry point process.stdout/stderr. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

/**
 * migrateCli runs `db:migrate` with its arguments and returns the exit status: 0 done, 1 failed (one line on
 * stderr, never the password), 2 bad usage. It prints one line per migration it applies or writes.
 */
export async function migrateCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, io: CliIo): Promise<number> {
  let values: { url?: string; create?: string; help?: boolean };
  try {
    values = parseArgs({ args: [...argv], options: { url: { type: 'string' }, create: { type: 'string' }, help: { type: 'boolean' } } }).values;
  } catch (err) {
    io.err(`db:migrate: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const url = values.url ?? env.DATABASE_URL ?? '';
  if (url === '') {
    io.err(`db:migrate: no database: pass --url or set DATABASE_URL\n${USAGE}`);
    return 2;
  }
  if (values.create !== undefined && !MIGRATION_NAME.test(values.create)) {
    io.err('db:migrate: --create NAME takes lower-case letters, digits and underscores (for example add_app_labels)');
    return 2;
  }
  let provider;
  try {
    provider = databaseProvider(url);
  } catch (err) {
    io.err(`db:migrate: ${(err as Error).message}`);
    return 2;
  }
  const where = redactUrl(url);
  try {
    if (values.create !== undefined) {
      const folder = provider === 'postgres' ? await createPostgresMigration(url, values.create) : createMysqlMigration(values.create);
      io.out(folder === undefined ? `no schema change to migrate (${where})` : `created migration ${folder}${provider === 'mysql' ? ' (MySQL: write its DDL by hand)' : ''}`);
      return 0;
    }
    const applied = provider === 'postgres' ? await migratePostgres(url) : await migrateMysql(url);
    for (const name of applied) io.out(`applied migration ${name} to ${where}`);
    io.out(applied.length === 0 ? `${where} is up to date` : `${where}: ${applied.length} migration(s) applied`);
    return 0;
  } catch (err) {
    const reason = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
    io.err(`db:migrate: ${where}: ${scrubSecrets(reason, url)}`);
    return 1;
  }
}

// why: this file is both a library module (tests) and the `db:migrate` entry point; only the latter runs main.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const io: CliIo = { out: (l) => process.stdout.write(l + '\n'), err: (l) => process.stderr.write(l + '\n') };
  // why: an entry point, like a service's main.ts, is where the process environment is read. The explicit exit:
  // the schema engine leaves its 10 s migration-lock timer armed, which would hold the process open that long.
  process.exit(await migrateCli(process.argv.slice(2), process.env, io));
}
