import { describe, expect, it } from 'vitest';
import { GrpcPresenceServer } from '@sockudo-ts/presence';
import { GrpcPresence } from '@sockudo-ts/shared/implementations';
import {
  DependencyUnavailable,
  MemoryAppStore,
  MemoryBus,
  MemoryPresenceStore,
  NullWebhookSink,
  LocalNodeRegistry,
  LocalPresence,
  createLogger,
  type Presence,
} from '@sockudo-ts/shared';
import { describeNodeRegistryContract } from '../../../shared/test/presence/node-registry-contract.js';
import { describePresenceContract, PRESENCE_CONTRACT_APP } from '../../../shared/test/presence/presence-contract.js';

const logger = createLogger({ level: 'silent', service: 'test' });

/** served starts a GrpcPresenceServer over LocalPresence and a memory store, and a GrpcPresence client of it. */
async function served(wrap: (local: LocalPresence) => Presence = (local) => local) {
  const bus = new MemoryBus();
  const store = new MemoryPresenceStore();
  const local = new LocalPresence(store, bus, new MemoryAppStore([PRESENCE_CONTRACT_APP]), NullWebhookSink);
  const server = new GrpcPresenceServer(wrap(local), new LocalNodeRegistry(store, local), logger);
  const port = await server.listen('127.0.0.1', 0);
  const told: DependencyUnavailable[] = [];
  const client = new GrpcPresence({ url: `127.0.0.1:${port}`, deadlineMs: 2000, onUnavailable: (err) => told.push(err) });
  return {
    client,
    bus,
    told,
    dispose: async () => {
      client.close();
      await server.stop(100);
      await local.close();
    },
  };
}

describePresenceContract('GrpcPresence -> GrpcPresenceServer', async () => {
  const s = await served();
  return { presence: s.client, bus: s.bus, dispose: s.dispose };
});

describeNodeRegistryContract('GrpcPresence -> GrpcPresenceServer', async () => {
  const s = await served();
  return { nodes: s.client, presence: s.client, bus: s.bus, dispose: s.dispose };
});

describe('GrpcPresenceServer errors', () => {
  it('answers a dependency outage as unavailable (told to onUnavailable) and any other failure as an error', async () => {
    const s = await served((local) =>
      Object.assign(Object.create(local) as LocalPresence, {
        counts: async () => {
          throw new DependencyUnavailable('redis', 'Redis is unreachable');
        },
        members: async () => {
          throw new Error('store answered nonsense');
        },
      }),
    );
    try {
      const down = await s.client.counts('pa', 'c').catch((e: unknown) => e);
      expect(down).toBeInstanceOf(DependencyUnavailable);
      expect((down as Error).message).toBe('the presence service is unavailable: Redis is unreachable');
      expect((down as DependencyUnavailable).detail).toMatch(/channelCounts: Redis is unreachable$/);
      const broken = await s.client.members('pa', 'presence-c').catch((e: unknown) => e);
      expect(broken).not.toBeInstanceOf(DependencyUnavailable);
      expect((broken as Error).message).toMatch(/listMembers failed: store answered nonsense/);
      expect(s.told).toEqual([down]);
    } finally {
      await s.dispose();
    }
  });
});
