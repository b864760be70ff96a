import { MemoryPresenceStore } from '@sockudo-ts/shared';
import { describePresenceStoreContract } from './presence-store-contract.js';

describePresenceStoreContract('MemoryPresenceStore', async () => {
  const store = new MemoryPresenceStore();
  return { store, dispose: () => store.close() };
});
