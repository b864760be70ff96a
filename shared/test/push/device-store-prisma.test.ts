import { afterAll, beforeAll, describe } from 'vitest';
import { migrateDatabase } from '@sockudo-ts/shared';
import { PrismaDeviceStore } from '@sockudo-ts/shared/implementations';
import { POSTGRES, servicesUp } from '../../../tests/kit/services.js';
import { createPostgresDatabase, type TestDatabase } from '../../../tests/kit/databases.js';
import { describeDeviceStoreContract } from './device-store-contract.js';

const up = await servicesUp('PrismaDeviceStore', POSTGRES);

describe.skipIf(!up)('PrismaDeviceStore (real PostgreSQL)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createPostgresDatabase();
    await migrateDatabase(db.url);
  }, 120_000);
  afterAll(async () => {
    await db?.drop();
  });

  describeDeviceStoreContract('PrismaDeviceStore', async () => {
    const store = await PrismaDeviceStore.open({ url: db.url });
    return { store, dispose: () => store.close() };
  });
});
