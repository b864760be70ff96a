import { MemoryAppStore, MemoryBus, MemoryPresenceStore, NullWebhookSink, PresenceOwner } from '@sockudo-ts/shared';
import { describePresenceContract, PRESENCE_CONTRACT_APP } from './presence-contract.js';

describePresenceContract('PresenceOwner in process', async () => {
  const bus = new MemoryBus();
  const store = new MemoryPresenceStore();
  const presence = new PresenceOwner(store, bus, new MemoryAppStore([PRESENCE_CONTRACT_APP]), NullWebhookSink);
  return { presence, bus, dispose: async () => presence.close() };
});
