import { describe } from 'vitest';
import { RedisPresenceStore } from '@sockudo-ts/shared/implementations';
import { REDIS, servicesUp, uniquePrefix } from '../../../tests/kit/services.js';
import { describePresenceStoreContract } from './presence-store-contract.js';

const up = await servicesUp('RedisPresenceStore contract', REDIS);

describe.skipIf(!up)('RedisPresenceStore', () => {
  describePresenceStoreContract('RedisPresenceStore', async () => {
    const store = await RedisPresenceStore.connect({ url: `redis://${REDIS.host}:${REDIS.port}`, prefix: uniquePrefix('ps') + ':' });
    return {
      store,
      dispose: async () => {
        await store.clear();
        await store.close();
      },
    };
  });
});
