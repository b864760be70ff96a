import { MemoryPublishStatusStore } from '@sockudo-ts/shared';
import { describePublishStatusStoreContract } from './publish-status-store-contract.js';

describePublishStatusStoreContract('MemoryPublishStatusStore', async (ttlSeconds) => {
  const store = new MemoryPublishStatusStore(ttlSeconds);
  return { store, dispose: () => store.close() };
});
