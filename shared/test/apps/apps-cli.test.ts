import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAppId, migrateDatabase, openSqlAppStore } from '@sockudo-ts/shared';
import { appsCli } from '../../src/apps/apps-cli.js';
import type { CliIo } from '../../src/db/migrate-cli.js';
import { MARIADB, POSTGRES, servicesUp } from '../../../tests/kit/services.js';
import { createMariaDatabase, createPostgresDatabase, type TestDatabase } from '../db/test-databases.js';

const up = await servicesUp('apps command', POSTGRES, MARIADB);

interface Run {
  status: number;
  out: string;
  err: string;
}

async function apps(url: string, ...argv: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l) };
  const status = await appsCli([...argv, '--url', url], {}, io);
  return { status, out: out.join('\n'), err: err.join('\n') };
}

const secretOf = (output: string): string => /secret: ([0-9a-f]{32})/.exec(output)![1]!;

const PROVIDERS = [
  ['PostgreSQL', createPostgresDatabase],
  ['MariaDB', createMariaDatabase],
] as const;

describe.skipIf(!up)('npm run apps', () => {
  for (const [name, create] of PROVIDERS) {
    describe(name, () => {
      let db: TestDatabase;
      beforeAll(async () => {
        db = await create();
        await migrateDatabase(db.url);
      });
      afterAll(async () => {
        await db?.drop();
      });

      it('adds an app, printing its secret once, and the store serves it with the settings given', async () => {
        const added = await apps(db.url, 'add', '--id', 'cli-app', '--set', 'max_connections=25', '--set', 'enable_client_messages=true', '--set', 'allowed_origins=https://a.example,https://b.example', '--set', 'webhooks=[{"url":"https://h.example/hook","event_types":["channel_occupied"]}]');
        expect(added.status).toBe(0);
        const secret = secretOf(added.out);
        expect(added.out.split(secret)).toHaveLength(2);
        const store = await openSqlAppStore({ url: db.url });
        try {
          const app = await store.byId(asAppId('cli-app'));
          expect(app).toMatchObject({ secret, enabled: true, max_connections: 25, enable_client_messages: true, allowed_origins: ['https://a.example', 'https://b.example'] });
          expect(app?.webhooks).toEqual([{ url: 'https://h.example/hook', event_types: ['channel_occupied'], headers: {} }]);
          expect(app?.key).toMatch(/^[0-9a-f]{20}$/);
        } finally {
          await store.close();
        }
      });

      it('lists apps without any secret', async () => {
        const added = await apps(db.url, 'add', '--key', 'listed-key');
        const secret = secretOf(added.out);
        const listed = await apps(db.url, 'list');
        expect(listed.status).toBe(0);
        expect(listed.out).toMatch(/^id\s+key\s+enabled/);
        expect(listed.out).toContain('listed-key');
        expect(listed.out).toContain('cli-app');
        expect(listed.out).not.toContain(secret);
        expect(listed.out).not.toMatch(/[0-9a-f]{32}/);
      });

      it('rotates a secret (printed once), disables and enables an app', async () => {
        const before = secretOf((await apps(db.url, 'add', '--id', 'rotating')).out);
        const rotated = await apps(db.url, 'rotate', 'rotating');
        expect(rotated.status).toBe(0);
        const after = secretOf(rotated.out);
        expect(after).not.toBe(before);
        expect((await apps(db.url, 'disable', 'rotating')).out).toBe('disabled app rotating');
        const store = await openSqlAppStore({ url: db.url });
        try {
          expect(await store.byId(asAppId('rotating'))).toMatchObject({ secret: after, enabled: false });
        } finally {
          await store.close();
        }
        expect((await apps(db.url, 'enable', 'rotating')).out).toBe('enabled app rotating');
      });

      it('fails clearly on an unknown app, a taken id and bad input', async () => {
        expect(await apps(db.url, 'disable', 'nope')).toMatchObject({ status: 1, err: 'apps: no app with id nope' });
        const taken = await apps(db.url, 'add', '--id', 'cli-app');
        expect(taken.status).toBe(1);
        expect(taken.err).toContain('already exists');
        expect((await apps(db.url, 'add', '--set', 'max_connections=-1')).status).toBe(2);
        expect((await apps(db.url, 'add', '--set', 'colour=blue')).status).toBe(2);
        expect((await apps(db.url, 'add', '--set', 'webhooks=[{"url":"ftp://x"}]')).err).toContain('url must be an http(s) URL');
        expect((await apps(db.url, 'add', '--id', 'has space')).status).toBe(2);
        expect((await apps(db.url, 'rotate')).status).toBe(2);
        expect((await apps(db.url, 'explode')).status).toBe(2);
      });
    });
  }

  it('refuses an unmigrated database, naming the command to run', async () => {
    const bare = await createPostgresDatabase();
    try {
      const run = await apps(bare.url, 'list');
      expect(run.status).toBe(1);
      expect(run.err).toContain('npm run db:migrate');
    } finally {
      await bare.drop();
    }
  });

  it('runs as a command (the built entry point) and exits with its status', () => {
    const entry = fileURLToPath(new URL('../../dist/apps/apps-cli.js', import.meta.url));
    const run = spawnSync(process.execPath, [entry, 'list'], { env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('DATABASE_URL');
  });
});
