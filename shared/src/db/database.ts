import { DependencyUnavailable } from '../errors/dependency-unavailable.js';
import { redactUrl, scrubSecrets, type DatabaseProvider } from './database-url.js';
import { DatabaseNotMigrated, MIGRATION_DIRS, migrationGap, readMigrations, type AppliedMigration } from './migrations.js';

/**
 * Database is an open connection pool to the project's SQL database, owned by the store that opened it.
 * Stores reach their tables through the provider's Prisma client; callers only ever see this role.
 */
export interface Database {
  readonly provider: DatabaseProvider;
  /** where names the database for messages: scheme, host, port and name, never credentials. */
  readonly where: string;
  /**
   * assertMigrated resolves when every shipped migration is applied, and rejects with DatabaseNotMigrated
   * (naming the command to run) when some are missing or failed, or DependencyUnavailable when unreachable.
   */
  assertMigrated(): Promise<void>;
  /** close ends the pool; pending queries finish first. */
  close(): Promise<void>;
}

/** DatabaseOptions configure opening a Database. */
export interface DatabaseOptions {
  /** url is the connection URL (`postgres://...` or `mysql://...`); it may carry a password. */
  url: string;
  /** connectTimeoutMs bounds opening a connection; default 5000 ms. */
  connectTimeoutMs?: number;
}

/** RawQueryable is the part of a generated Prisma client the migration check needs. */
export interface RawQueryable {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): PromiseLike<T>;
}

/** PrismaDatabase is what PostgresDatabase and MysqlDatabase share: a generated client over one URL. */
export abstract class PrismaDatabase<Client extends RawQueryable & { $disconnect(): PromiseLike<void> }> implements Database {
  abstract readonly provider: DatabaseProvider;
  readonly where: string;
  /** client is the Prisma client; only stores use it, and only through their own ports. */
  readonly client: Client;
  /** url is kept to check migrations and to scrub it from driver messages; it is never printed. */
  protected readonly url: string;

  protected constructor(url: string, client: Client) {
    this.url = url;
    this.where = redactUrl(url);
    this.client = client;
  }

  abstract assertMigrated(): Promise<void>;

  /** answers says whether the database answers a query now (readiness probes). */
  async answers(): Promise<boolean> {
    try {
      await this.client.$queryRawUnsafe('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  /** unavailable wraps an error from a call on this database as DependencyUnavailable, secrets removed. */
  unavailable(doing: string, err: unknown): Error {
    return databaseUnavailable(this.provider, this.url, doing, err);
  }

  async close(): Promise<void> {
    await this.client.$disconnect();
  }
}

const LABEL: Record<DatabaseProvider, string> = { postgres: 'PostgreSQL', mysql: 'MySQL/MariaDB' };

/**
 * databaseUnavailable turns a failed database call into DependencyUnavailable(`postgres` | `mysql`). The message
 * says what was being done and why it failed, with the URL redacted and any password scrubbed from the reason.
 */
export function databaseUnavailable(provider: DatabaseProvider, url: string, doing: string, err: unknown): DependencyUnavailable {
  return new DependencyUnavailable(provider, `${LABEL[provider]} is unavailable`, `${redactUrl(url)} while ${doing}: ${reasonOf(err, url)}`);
}

/**
 * reasonOf is the driver's own words from an error: Prisma wraps them as "Invalid `prisma.x()` invocation: ...
 * Message: `<driver message>`". Whitespace is collapsed, secrets removed, and the length capped.
 */
function reasonOf(err: unknown, url: string): string {
  const raw = err instanceof Error ? err.message : String(err);
  const quoted = /Message: `([\s\S]*)`\s*$/.exec(raw)?.[1];
  const text = quoted ?? raw.replace(/^\s*Invalid `[^`]*` invocation:/, '');
  const reason = scrubSecrets(text.replace(/\s+/g, ' ').trim() || 'unknown error', url);
  return reason.length > 300 ? reason.slice(0, 300) + '...' : reason;
}

/**
 * checkMigrated compares the rows of `_prisma_migrations` with the provider's shipped migrations and throws
 * DatabaseNotMigrated when the database is behind. `tableExistsSql` returns one row with a column `present`.
 */
export async function checkMigrated(provider: DatabaseProvider, url: string, client: RawQueryable, tableExistsSql: string): Promise<void> {
  let applied: AppliedMigration[] = [];
  try {
    const [row] = await client.$queryRawUnsafe<{ present: unknown }[]>(tableExistsSql);
    if (Number(row?.present ?? 0) > 0) {
      applied = await client.$queryRawUnsafe<AppliedMigration[]>('SELECT migration_name, finished_at, rolled_back_at FROM _prisma_migrations');
    }
  } catch (err) {
    throw databaseUnavailable(provider, url, 'checking its migrations', err);
  }
  const gap = migrationGap(readMigrations(MIGRATION_DIRS[provider]), applied);
  if (gap.pending.length > 0 || gap.failed.length > 0) throw new DatabaseNotMigrated(`${LABEL[provider]} ${redactUrl(url)}`, gap);
}
