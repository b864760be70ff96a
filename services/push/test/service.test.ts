import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PUSH_QUEUE,
  asAppId,
  buildConfig,
  createLogger,
  migrateDatabase,
  newPublishId,
  startProcess,
  type PublishJob,
  type PushJob,
  type RunningProcess,
} from '@sockudo-ts/shared';
import { BullMqJobQueue, PrismaDeviceStore, RedisPublishStatusStore } from '@sockudo-ts/shared/implementations';
import { composePush } from '@sockudo-ts/push';
import { POSTGRES, REDIS, binariesPresent, servicesUp, uniquePrefix } from '../../../tests/kit/services.js';
import { createPostgresDatabase, type TestDatabase } from '../../../tests/kit/databases.js';
import { waitFor } from '../../../tests/kit/clients.js';
import { OPENSSL } from './fakes/tls.js';
import { startFakeProviders, type FakeProviders } from './fakes/providers.js';
import { hexToken } from './fakes/helpers.js';
import { NOTE } from './harness.js';

const up = binariesPresent('push service', OPENSSL) && (await servicesUp('push service', REDIS, POSTGRES));

describe.skipIf(!up)('the push service process (config, BullMQ, PostgreSQL devices, Redis statuses)', () => {
  let db: TestDatabase;
  let fakes: FakeProviders;
  let running: RunningProcess;
  let queue: BullMqJobQueue<PushJob>;
  let devices: PrismaDeviceStore;
  let statuses: RedisPublishStatusStore;
  const prefix = uniquePrefix('pushsvc');
  const redisUrl = `redis://${REDIS.host}:${REDIS.port}`;
  const logs: string[] = [];

  beforeAll(async () => {
    db = await createPostgresDatabase();
    await migrateDatabase(db.url);
    fakes = await startFakeProviders();
    const config = buildConfig(
      [{ name: 'test', values: {
        metrics: { enabled: false },
        database: { url: db.url, redis: { url: redisUrl, key_prefix: `${prefix}:` } },
        queue: { redis: { prefix: `${prefix}q` } },
        push: { storage_driver: 'postgres', providers: fakes.config },
      } }],
      {},
    );
    const logger = createLogger({ level: 'debug', service: 'push', destination: new Writable({ write: (c, _e, done) => (logs.push(String(c)), done()) }) });
    running = await startProcess('push', config, logger, composePush);
    queue = await BullMqJobQueue.connect<PushJob>({ url: redisUrl, name: PUSH_QUEUE, prefix: `${prefix}q` });
    devices = await PrismaDeviceStore.open({ url: db.url });
    statuses = await RedisPublishStatusStore.connect({ url: redisUrl, prefix: `${prefix}:push:status:`, ttlSeconds: 60 });
  }, 120_000);

  afterAll(async () => {
    await running?.stop();
    await queue?.clear();
    await queue?.close();
    await statuses?.close();
    await devices?.close();
    await fakes?.close();
    await db?.drop();
  });

  it('delivers a queued publish to devices of every platform kept in PostgreSQL, once each, and records the status in Redis', async () => {
    const app = asAppId('svc-app');
    const phone = await devices.register(app, { platform: 'apns', token: hexToken(), interests: ['news'] });
    const android = await devices.register(app, { platform: 'fcm', token: `tok:${hexToken()}`, interests: ['news'] });
    const browser = await devices.register(app, { platform: 'web', subscription: fakes.web.subscribe(), interests: ['news'] });
    const publishId = newPublishId();
    const now = Date.now();
    await statuses.accepted(app, publishId);
    await queue.add({ v: 1, kind: 'publish', app_id: app, publish_id: publishId, notification: NOTE, created_at: now, expires_at: now + 60_000, interests: ['news'] } satisfies PublishJob);
    await waitFor(async () => (await statuses.get(app, publishId))?.state === 'completed', 30_000, 'the publish to complete');
    expect(await statuses.get(app, publishId)).toMatchObject({ recipients: 3, delivered: 3 });
    if (phone.platform === 'apns') expect(fakes.apns.delivered(phone.token)).toHaveLength(1);
    if (android.platform === 'fcm') expect(fakes.fcm.delivered(android.token)).toHaveLength(1);
    if (browser.platform === 'web') expect(fakes.web.delivered(browser.subscription)).toHaveLength(1);
    expect(fakes.problems()).toEqual([]);
    expect(logs.join('')).not.toContain('PRIVATE KEY');
  }, 60_000);
});
