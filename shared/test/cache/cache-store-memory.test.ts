import { MemoryCacheStore } from '@sockudo-ts/shared';
import { describeCacheStoreContract } from './cache-store-contract.js';

describeCacheStoreContract('MemoryCacheStore', async () => {
  const store = new MemoryCacheStore();
  return { store, dispose: () => store.close() };
});
