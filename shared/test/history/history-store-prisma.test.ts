import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDatabase } from '@sockudo-ts/shared';
import { PrismaHistoryStore } from '@sockudo-ts/shared/implementations';
import { POSTGRES, servicesUp } from '../../../tests/kit/services.js';
import { createPostgresDatabase, type TestDatabase } from '../../../tests/kit/databases.js';
import { describeHistoryStoreContract } from './history-store-contract.js';

const up = await servicesUp('PrismaHistoryStore', POSTGRES);

describe.skipIf(!up)('PrismaHistoryStore (real PostgreSQL)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createPostgresDatabase();
    await migrateDatabase(db.url);
  }, 120_000);
  afterAll(async () => {
    await db?.drop();
  });

  describeHistoryStoreContract('PrismaHistoryStore', async () => {
    const store = await PrismaHistoryStore.open({ url: db.url });
    return { store, dispose: () => store.close() };
  });

  it('refuses a database without the migrations, naming the command that applies them', async () => {
    const bare = await createPostgresDatabase();
    try {
      await expect(PrismaHistoryStore.open({ url: bare.url })).rejects.toThrow(/npm run db:migrate/);
    } finally {
      await bare.drop();
    }
  });
});
