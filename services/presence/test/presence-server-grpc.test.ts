import { GrpcPresenceServer } from '@sockudo-ts/presence';
import { GrpcPresence } from '@sockudo-ts/shared/implementations';
import {
  MemoryAppStore,
  MemoryBus,
  MemoryPresenceStore,
  NullWebhookSink,
  LocalNodeRegistry,
  LocalPresence,
  createLogger,
} from '@sockudo-ts/shared';
import { describePresenceContract, PRESENCE_CONTRACT_APP } from '../../../shared/test/presence/presence-contract.js';

describePresenceContract('GrpcPresence -> GrpcPresenceServer', async () => {
  const bus = new MemoryBus();
  const store = new MemoryPresenceStore();
  const owner = new LocalPresence(store, bus, new MemoryAppStore([PRESENCE_CONTRACT_APP]), NullWebhookSink);
  const server = new GrpcPresenceServer(owner, new LocalNodeRegistry(store, owner), createLogger({ level: 'silent', service: 'test' }));
  const port = await server.listen('127.0.0.1', 0);
  const presence = new GrpcPresence({ url: `127.0.0.1:${port}`, deadlineMs: 2000 });
  return {
    presence,
    bus,
    dispose: async () => {
      presence.close();
      await server.stop(100);
      owner.close();
    },
  };
});
