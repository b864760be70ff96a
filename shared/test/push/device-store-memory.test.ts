import { MemoryDeviceStore } from '@sockudo-ts/shared';
import { describeDeviceStoreContract } from './device-store-contract.js';

describeDeviceStoreContract('MemoryDeviceStore', async () => {
  const store = new MemoryDeviceStore();
  return { store, dispose: () => store.close() };
});
