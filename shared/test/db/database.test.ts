import { describe, expect, it } from 'vitest';
import { DependencyUnavailable, databaseProvider, databaseUrl, openMysqlDatabase, openPostgresDatabase, redactUrl } from '@sockudo-ts/shared';
import { startTcpProxy } from '../../../tests/kit/tcp-proxy.js';

describe('database URLs', () => {
  it('tells PostgreSQL from MySQL/MariaDB by scheme and refuses others', () => {
    expect(databaseProvider('postgres://h/db')).toBe('postgres');
    expect(databaseProvider('postgresql://h/db')).toBe('postgres');
    expect(databaseProvider('mysql://h/db')).toBe('mysql');
    expect(databaseProvider('mariadb://h/db')).toBe('mysql');
    expect(() => databaseProvider('redis://u:secret@h')).toThrow(/^database URL must start with/);
  });

  it("builds a URL from Sockudo's separate settings, encoding what needs it", () => {
    const parts = { host: 'db.internal', port: 5433, username: 'app user', password: 'p@ss/w:rd', database: 'sockudo' };
    const url = databaseUrl('postgres', parts);
    expect(url).toBe('postgres://app%20user:p%40ss%2Fw%3Ard@db.internal:5433/sockudo');
    expect(decodeURIComponent(new URL(url).password)).toBe('p@ss/w:rd');
    expect(databaseUrl('mysql', { ...parts, username: 'root', password: '' })).toBe('mysql://root@db.internal:5433/sockudo');
  });

  it('redacts credentials and query parameters', () => {
    expect(redactUrl('postgres://app:p%40ss@db.internal:5433/sockudo?sslmode=require&password=x')).toBe('postgres://db.internal:5433/sockudo');
    expect(redactUrl('not a url :// secret')).toBe('(unparseable database URL)');
  });
});

describe('opening a database that is down', () => {
  for (const [name, open, scheme] of [
    ['openPostgresDatabase', openPostgresDatabase, 'postgres'],
    ['openMysqlDatabase', openMysqlDatabase, 'mysql'],
  ] as const) {
    it(`${name} rejects with DependencyUnavailable('${scheme}') naming the server, without the password`, async () => {
      const proxy = await startTcpProxy('127.0.0.1', 9);
      await proxy.close();
      const url = `${scheme}://app:pa55-word@127.0.0.1:${proxy.port}/apps`;
      const err = (await open({ url, connectTimeoutMs: 1000 }).catch((e: unknown) => e)) as DependencyUnavailable;
      expect(err).toBeInstanceOf(DependencyUnavailable);
      expect(err.dependency).toBe(scheme);
      expect(err.message).toContain(`${scheme}://127.0.0.1:${proxy.port}/apps`);
      expect(err.message).not.toContain('pa55-word');
    });
  }
});
