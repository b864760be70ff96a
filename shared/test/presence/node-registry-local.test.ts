import { describe, expect, it } from 'vitest';
import { asAppId, asChannelName, asNodeId, asSocketId, asUserId, LocalNodeRegistry, LocalPresence, MemoryAppStore, MemoryBus, MemoryPresenceStore, NullWebhookSink, type App } from '@sockudo-ts/shared';
import { describeNodeRegistryContract } from './node-registry-contract.js';
import { PRESENCE_CONTRACT_APP } from './presence-contract.js';

const app = asAppId('a');
const presenceP = asChannelName('presence-p');
const n1 = asNodeId('n1');
const n2 = asNodeId('n2');

describeNodeRegistryContract('LocalNodeRegistry in process', async () => {
  const bus = new MemoryBus();
  const store = new MemoryPresenceStore();
  const presence = new LocalPresence(store, bus, new MemoryAppStore([PRESENCE_CONTRACT_APP]), NullWebhookSink);
  return { nodes: new LocalNodeRegistry(store, presence), presence, bus, dispose: () => presence.close() };
});

function setup() {
  let now = 1_000;
  const store = new MemoryPresenceStore();
  const bus = new MemoryBus();
  const owner = new LocalPresence(store, bus, new MemoryAppStore([{ id: app, key: 'k', secret: 's' } as App]), NullWebhookSink);
  const nodes = new LocalNodeRegistry(store, owner, () => now);
  const frames: string[] = [];
  void bus.subscribe(app, presenceP, (m) => frames.push(m.frame));
  return { store, nodes, frames, advance: (ms: number) => (now += ms) };
}

describe('LocalNodeRegistry', () => {
  it('reaps a silent node: its members leave with member_removed, live nodes stay', async () => {
    const { store, nodes, frames, advance } = setup();
    await nodes.register({ nodeId: n1, sockets: [{ appId: app, socketId: asSocketId('1.1'), channels: [{ channel: presenceP, member: { id: asUserId('ann') } }] }] });
    await nodes.register({ nodeId: n2, sockets: [{ appId: app, socketId: asSocketId('2.1'), channels: [{ channel: presenceP, member: { id: asUserId('bob') } }] }] });
    frames.length = 0;
    advance(20_000);
    expect(await nodes.heartbeat(n1)).toBe(true);
    advance(15_000);
    expect(await nodes.reap(30_000)).toEqual([n2]);
    expect(frames).toEqual(['{"event":"pusher_internal:member_removed","channel":"presence-p","data":"{\\"user_id\\":\\"bob\\"}"}']);
    expect(await store.members(app, presenceP)).toEqual([{ id: asUserId('ann') }]);
    expect(await nodes.heartbeat(n2)).toBe(false);
  });
});
