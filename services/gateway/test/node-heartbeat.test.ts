import { describe, expect, it } from 'vitest';
import { NodeHeartbeat } from '@sockudo-ts/gateway';
import {
  DependencyUnavailable,
  MemoryAppStore,
  MemoryBus,
  MemoryPresenceStore,
  NullWebhookSink,
  LocalNodeRegistry,
  LocalPresence,
  asAppId,
  asChannelName,
  asNodeId,
  asSocketId,
  asUserId,
  createLogger,
  type NodeId,
  type NodeSnapshot,
} from '@sockudo-ts/shared';

const logger = createLogger({ level: 'silent', service: 'test' });

/** presenceOn builds the presence side a heartbeat talks to, over a store the test can swap (a lost Redis). */
function presenceOn(store: MemoryPresenceStore) {
  const owner = new LocalPresence(store, new MemoryBus(), new MemoryAppStore([]), NullWebhookSink);
  return new LocalNodeRegistry(store, owner);
}

const A = asAppId('a');
const P = asChannelName('presence-p');
const G1 = asNodeId('g1');
const snapshot: NodeSnapshot = {
  nodeId: G1,
  sockets: [{ appId: A, socketId: asSocketId('1.1'), userId: asUserId('ann'), channels: [{ channel: P, member: { id: asUserId('ann') } }] }],
};

describe('NodeHeartbeat', () => {
  it('registers at start, re-registers when presence lost its state, and after a failed presence call', async () => {
    let store = new MemoryPresenceStore();
    let nodes = presenceOn(store);
    const registry = { heartbeat: (n: NodeId) => nodes.heartbeat(n), register: (s: NodeSnapshot) => nodes.register(s) };
    const heartbeat = new NodeHeartbeat(registry, G1, 60_000, logger);
    await heartbeat.start(() => snapshot);
    expect(await store.members(A, P)).toEqual([{ id: 'ann' }]);

    store = new MemoryPresenceStore();
    nodes = presenceOn(store);
    await heartbeat.beat();
    expect(await store.members(A, P)).toEqual([{ id: 'ann' }]);
    expect(await store.onlineUsers(A, [asUserId('ann')])).toEqual(['ann']);

    // a presence call failed (its leave may be lost): the composition tells the heartbeat so
    heartbeat.markDirty();
    await store.unsubscribe(A, P, asSocketId('1.1'));
    await heartbeat.beat();
    expect(await store.members(A, P)).toEqual([{ id: 'ann' }]);
    await heartbeat.stop();
  });

  it('keeps trying while presence is unreachable and registers once it answers', async () => {
    const store = new MemoryPresenceStore();
    const nodes = presenceOn(store);
    let down = true;
    const registry = {
      heartbeat: async (n: NodeId) => (down ? Promise.reject(new DependencyUnavailable('presence', 'down')) : nodes.heartbeat(n)),
      register: async (s: NodeSnapshot) => (down ? Promise.reject(new DependencyUnavailable('presence', 'down')) : nodes.register(s)),
    };
    const heartbeat = new NodeHeartbeat(registry, G1, 60_000, logger);
    await heartbeat.start(() => snapshot);
    expect(await store.connectionCount(A)).toBe(0);
    down = false;
    await heartbeat.beat();
    expect(await store.connectionCount(A)).toBe(1);
    await heartbeat.stop();
  });

  it('keeps heartbeating while a long registration is still running', async () => {
    let release!: () => void;
    const registering = new Promise<void>((r) => (release = r));
    let heartbeats = 0;
    let registrations = 0;
    const registry = {
      heartbeat: async () => {
        heartbeats++;
        return true;
      },
      register: async () => {
        registrations++;
        await registering;
      },
    };
    const heartbeat = new NodeHeartbeat(registry, G1, 60_000, logger);
    const started = heartbeat.start(() => snapshot);
    for (let i = 0; i < 3; i++) await heartbeat.beat();
    expect(registrations).toBe(1);
    expect(heartbeats).toBe(3);
    release();
    await started;
    await heartbeat.stop();
  });
});
