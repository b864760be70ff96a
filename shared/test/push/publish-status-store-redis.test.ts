import { describe } from 'vitest';
import { RedisPublishStatusStore } from '@sockudo-ts/shared/implementations';
import { REDIS, servicesUp, uniquePrefix } from '../../../tests/kit/services.js';
import { describePublishStatusStoreContract } from './publish-status-store-contract.js';

const up = await servicesUp('RedisPublishStatusStore contract', REDIS);

describe.skipIf(!up)('RedisPublishStatusStore', () => {
  describePublishStatusStoreContract('RedisPublishStatusStore', async (ttlSeconds) => {
    const store = await RedisPublishStatusStore.connect({ url: `redis://${REDIS.host}:${REDIS.port}`, prefix: uniquePrefix('status') + ':', ttlSeconds });
    return {
      store,
      dispose: async () => {
        await store.clear();
        await store.close();
      },
    };
  });
});
