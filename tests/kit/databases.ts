import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import mariadb from 'mariadb';
import pg from 'pg';
import { ROOT } from './process.js';
import { MARIADB, POSTGRES } from './services.js';

/** TestDatabase is an empty database created for one test file; drop() removes it (forcing connections out). */
export interface TestDatabase {
  name: string;
  /** url reaches the database on the machine's server. */
  url: string;
  /** urlVia is the same database reached through another port on 127.0.0.1 (a TcpProxy). */
  urlVia(port: number): string;
  drop(): Promise<void>;
}

/** POSTGRES_ADMIN_URL and MARIADB_ADMIN_URL reach the servers to create and drop test databases. */
export const POSTGRES_ADMIN_URL = `postgres://postgres@${POSTGRES.host}:${POSTGRES.port}/postgres`;
export const MARIADB_ADMIN_URL = `mysql://root@${MARIADB.host}:${MARIADB.port}/`;

/** createPostgresDatabase creates `t_<random>` on the machine's PostgreSQL. */
export async function createPostgresDatabase(): Promise<TestDatabase> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  await pgAdmin(`CREATE DATABASE ${name}`);
  const urlVia = (port: number): string => `postgres://postgres@127.0.0.1:${port}/${name}`;
  return { name, url: urlVia(POSTGRES.port), urlVia, drop: () => pgAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** createMariaDatabase creates `t_<random>` on the machine's MariaDB. */
export async function createMariaDatabase(): Promise<TestDatabase> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  await mariaAdmin(`CREATE DATABASE ${name}`);
  const urlVia = (port: number): string => `mysql://root@127.0.0.1:${port}/${name}`;
  return { name, url: urlVia(MARIADB.port), urlVia, drop: () => mariaAdmin(`DROP DATABASE IF EXISTS ${name}`) };
}

/** pgAdmin runs one statement on the machine's PostgreSQL, outside any database a test uses. */
export async function pgAdmin(sql: string, database = 'postgres'): Promise<void> {
  const client = new pg.Client({ host: POSTGRES.host, port: POSTGRES.port, user: 'postgres', database });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** mariaAdmin runs one statement (or several) on the machine's MariaDB as root. */
export async function mariaAdmin(sql: string, database?: string): Promise<void> {
  const conn = await mariadb.createConnection({ host: MARIADB.host, port: MARIADB.port, user: 'root', multipleStatements: true, ...(database ? { database } : {}) });
  try {
    await conn.query(sql);
  } finally {
    await conn.end();
  }
}

/**
 * appsCli runs the apps CLI the way `npm run apps -- ...` does, against one database, and resolves with its exit
 * status and output. why asynchronous: a test's TCP proxy to the database (and an embedded server) lives in the
 * test process; a synchronous spawn froze it for as long as the CLI ran (a second or more on a loaded machine),
 * so every process behind the proxy saw the database vanish (pool timeouts) in the middle of the test.
 */
export function appsCli(url: string, ...args: string[]): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['shared/dist/apps/apps-cli.js', ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', DATABASE_URL: url }, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ status: code, out: stdout + stderr });
    });
  });
}
