import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bus, NodeRegistry, NodeSnapshot, Presence, SocketSnapshot } from '@sockudo-ts/shared';

/** NodeRegistryHandle is a NodeRegistry for one test, the Presence over the same state and the bus both emit on. */
export interface NodeRegistryHandle {
  nodes: NodeRegistry;
  presence: Presence;
  bus: Bus;
  dispose(): Promise<void>;
}

const ann = { appId: 'pa', socketId: '1.1', userId: 'ann', channels: [{ channel: 'presence-x', member: { id: 'ann', info: { n: 1 } } }, { channel: 'news' }] };
const bob = { appId: 'pa', socketId: '1.2', channels: [{ channel: 'presence-x', member: { id: 'bob' } }] };
const snapshot = (...sockets: unknown[]): NodeSnapshot => ({ nodeId: 'n1', sockets: sockets as SocketSnapshot[] }) as NodeSnapshot;
const removed = (id: string) => `{"event":"pusher_internal:member_removed","channel":"presence-x","data":"{\\"user_id\\":\\"${id}\\"}"}`;

/**
 * describeNodeRegistryContract runs the NodeRegistry port's contract: what a gateway's heartbeat may rely on from
 * LocalNodeRegistry in process and from the presence service over gRPC alike, the snapshot's effects included.
 */
export function describeNodeRegistryContract(name: string, make: () => Promise<NodeRegistryHandle>): void {
  describe(`NodeRegistry contract: ${name}`, () => {
    let h: NodeRegistryHandle;
    const frames: string[] = [];
    beforeEach(async () => {
      h = await make();
      frames.length = 0;
      await h.bus.subscribe('pa', 'presence-x', (m) => frames.push(m.frame));
    });
    afterEach(async () => {
      await h.dispose();
    });

    it('asks an unknown node to register, then knows it', async () => {
      expect(await h.nodes.heartbeat('n1' as never)).toBe(false);
      await h.nodes.register(snapshot());
      expect(await h.nodes.heartbeat('n1' as never)).toBe(true);
    });

    it('register adds what the node holds: sockets, sign-ins, channels and members with their info', async () => {
      await h.nodes.register(snapshot(ann, bob));
      expect(await h.presence.onlineUsers('pa' as never, ['ann', 'bob'] as never)).toEqual(['ann']);
      expect(await h.presence.counts('pa' as never, 'news' as never)).toEqual({ subscriptionCount: 1, userCount: 0 });
      const members = await h.presence.members('pa' as never, 'presence-x' as never);
      expect(members.sort((a, b) => a.id.localeCompare(b.id))).toEqual([{ id: 'ann', info: { n: 1 } }, { id: 'bob' }]);
      expect(frames.map((f) => JSON.parse(f).event)).toEqual(['pusher_internal:member_added', 'pusher_internal:member_added']);
    });

    it('register removes what the node no longer holds, and what is already known causes nothing', async () => {
      await h.nodes.register(snapshot(ann, bob));
      frames.length = 0;
      await h.nodes.register(snapshot(ann));
      expect(frames).toEqual([removed('bob')]);
      frames.length = 0;
      await h.nodes.register(snapshot(ann));
      expect(frames).toEqual([]);
      await h.nodes.register(snapshot({ ...ann, channels: [] }));
      expect(frames).toEqual([removed('ann')]);
      expect(await h.presence.channels('pa' as never)).toEqual(new Map());
      expect(await h.presence.onlineUsers('pa' as never, ['ann'] as never)).toEqual(['ann']);
      await h.nodes.register(snapshot());
      expect(await h.presence.onlineUsers('pa' as never, ['ann'] as never)).toEqual([]);
    });
  });
}
