import { afterAll, beforeAll, describe } from 'vitest';
import { migrateDatabase } from '@sockudo-ts/shared';
import { NATS, POSTGRES, REDIS, binariesPresent, servicesUp, startCluster, type TestCluster } from '../kit/index.js';
import { createPostgresDatabase, type TestDatabase } from '../kit/databases.js';
import { OPENSSL } from '../../services/push/test/fakes/tls.js';
import { startFakeProviders, type FakeProviders } from '../../services/push/test/fakes/providers.js';
import { FAST_RETRY } from '../../services/push/test/harness.js';
import { pushScenarios } from '../e2e/push-scenarios.js';

const up = binariesPresent('push cluster', OPENSSL) && (await servicesUp('push cluster', NATS, REDIS, POSTGRES));

describe.skipIf(!up)('push in a cluster (api and push worker processes over BullMQ, devices in PostgreSQL)', () => {
  let db: TestDatabase;
  let fakes: FakeProviders;
  let cluster: TestCluster;
  beforeAll(async () => {
    db = await createPostgresDatabase();
    await migrateDatabase(db.url);
    fakes = await startFakeProviders();
    cluster = await startCluster({
      gateways: 1,
      pushWorker: true,
      config: {
        database: { url: db.url },
        push: {
          storage_driver: 'postgres',
          providers: fakes.config,
          retry: { base_delay_ms: FAST_RETRY.baseDelayMs, max_delay_ms: FAST_RETRY.maxDelayMs, max_elapsed_ms: FAST_RETRY.maxElapsedMs },
        },
      },
    });
  }, 180_000);
  afterAll(async () => {
    await cluster?.stop();
    await fakes?.close();
    await db?.drop();
  });

  pushScenarios(() => ({ api: cluster.apiEndpoint, fakes }));
});
