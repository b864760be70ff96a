import { describe } from 'vitest';
import { RedisCacheStore } from '@sockudo-ts/shared/implementations';
import { REDIS, servicesUp, uniquePrefix } from '../../../tests/kit/services.js';
import { describeCacheStoreContract } from './cache-store-contract.js';

const up = await servicesUp('RedisCacheStore contract', REDIS);

describe.skipIf(!up)('RedisCacheStore', () => {
  describeCacheStoreContract('RedisCacheStore', async () => {
    const store = await RedisCacheStore.connect({ url: `redis://${REDIS.host}:${REDIS.port}`, prefix: uniquePrefix('cache') + ':' });
    return {
      store,
      dispose: async () => {
        await store.clear();
        await store.close();
      },
    };
  });
});
