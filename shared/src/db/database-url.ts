import type { PoolConfig as MariaDbPoolConfig } from 'mariadb';
import type { PoolConfig as PgPoolConfig } from 'pg';

/** DatabaseProvider is the kind of SQL server a URL points at. */
export type DatabaseProvider = 'postgres' | 'mysql';

/** DEFAULT_CONNECT_TIMEOUT_MS bounds how long opening a connection may take before the database counts as down. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

/**
 * databaseProvider tells a PostgreSQL URL (`postgres://`, `postgresql://`) from a MySQL/MariaDB one (`mysql://`,
 * `mariadb://`); anything else throws an Error naming the schemes it accepts (and never the URL itself).
 */
export function databaseProvider(url: string): DatabaseProvider {
  const scheme = /^([a-z]+):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') return 'postgres';
  if (scheme === 'mysql' || scheme === 'mariadb') return 'mysql';
  throw new Error('database URL must start with postgres://, postgresql://, mysql:// or mariadb://');
}

/** DatabaseParts are the separate connection settings Sockudo's config uses (`[database.postgres]`, `[database.mysql]`). */
export interface DatabaseParts {
  host: string;
  port: number;
  username: string;
  password: string;
  database: string;
}

/**
 * databaseUrl builds a connection URL from separate settings, percent-encoding the user name, password and
 * database name (a password holding `@`, `/` or `:` stays intact).
 */
export function databaseUrl(provider: DatabaseProvider, parts: DatabaseParts): string {
  const user = parts.username === '' ? '' : `${encodeURIComponent(parts.username)}${parts.password === '' ? '' : `:${encodeURIComponent(parts.password)}`}@`;
  return `${provider === 'postgres' ? 'postgres' : 'mysql'}://${user}${parts.host}:${parts.port}/${encodeURIComponent(parts.database)}`;
}

/**
 * redactUrl describes a database URL for messages and logs: scheme, host, port and database name, never the
 * user, password or query parameters (which may carry credentials too).
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(unparseable database URL)';
  }
}

/** scrubSecrets removes a database URL and its password (raw or decoded) from a text, such as a driver's message. */
export function scrubSecrets(text: string, url: string): string {
  let out = text.replaceAll(url, redactUrl(url));
  let password = '';
  try {
    password = new URL(url).password;
  } catch {
    // why: an unparseable URL yields no password to look for; the whole URL was replaced above.
  }
  if (password !== '') out = out.replaceAll(password, '***').replaceAll(decodeURIComponent(password), '***');
  return out;
}

/** databaseName is the database a URL names (its path without the slash), or '' when it names none. */
export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}

/** withDatabaseName returns the same URL pointing at another database on the same server. */
export function withDatabaseName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = '/' + encodeURIComponent(name);
  return u.toString();
}

/**
 * postgresPoolConfig is the pg pool configuration for a URL: connections that cannot open within
 * `connectTimeoutMs` fail instead of hanging; `queryTimeoutMs` (zero: none) bounds each query.
 */
export function postgresPoolConfig(url: string, connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS, queryTimeoutMs = 0): PgPoolConfig {
  return {
    connectionString: url,
    connectionTimeoutMillis: connectTimeoutMs,
    ...(queryTimeoutMs > 0 ? { query_timeout: queryTimeoutMs } : {}),
  };
}

/**
 * mariadbPoolConfig is the mariadb pool configuration for a `mysql://` or `mariadb://` URL: user, password,
 * host, port and database from the URL, with connect and acquire timeouts of `connectTimeoutMs`.
 */
export function mariadbPoolConfig(url: string, connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS): MariaDbPoolConfig {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: u.port === '' ? 3306 : Number(u.port),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: databaseName(url),
    connectTimeout: connectTimeoutMs,
    acquireTimeout: connectTimeoutMs,
  };
}
