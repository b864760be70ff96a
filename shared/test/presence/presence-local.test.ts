import { MemoryAppStore, MemoryBus, MemoryPresenceStore, NullWebhookSink, LocalPresence } from '@sockudo-ts/shared';
import { describePresenceContract, PRESENCE_CONTRACT_APP } from './presence-contract.js';

describePresenceContract('LocalPresence in process', async () => {
  const bus = new MemoryBus();
  const store = new MemoryPresenceStore();
  const presence = new LocalPresence(store, bus, new MemoryAppStore([PRESENCE_CONTRACT_APP]), NullWebhookSink);
  return { presence, bus, dispose: async () => presence.close() };
});
