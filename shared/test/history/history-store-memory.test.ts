import { MemoryHistoryStore } from '@sockudo-ts/shared';
import { describeHistoryStoreContract } from './history-store-contract.js';

describeHistoryStoreContract('MemoryHistoryStore', async () => {
  const store = new MemoryHistoryStore();
  return { store, dispose: () => store.close() };
});
