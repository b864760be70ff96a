import { MemoryAppStore } from '@sockudo-ts/shared';
import { describeAppStoreContract } from './app-store-contract.js';

describeAppStoreContract('MemoryAppStore', true, async (apps) => ({ store: new MemoryAppStore(apps), dispose: async () => undefined }));
