import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { asAppId, asChannelName, asNodeId, asSocketId, asUserId, type Bus, type NodeRegistry, type NodeSnapshot, type Presence, type SocketSnapshot } from '@sockudo-ts/shared';

/** NodeRegistryHandle is a NodeRegistry for one test, the Presence over the same state and the bus both emit on. */
export interface NodeRegistryHandle {
  nodes: NodeRegistry;
  presence: Presence;
  bus: Bus;
  dispose(): Promise<void>;
}

const pa = asAppId('pa');
const n1 = asNodeId('n1');
const presenceX = asChannelName('presence-x');
const news = asChannelName('news');
const annId = asUserId('ann');
const bobId = asUserId('bob');
const ann: SocketSnapshot = { appId: pa, socketId: asSocketId('1.1'), userId: annId, channels: [{ channel: presenceX, member: { id: annId, info: { n: 1 } } }, { channel: news }] };
const bob: SocketSnapshot = { appId: pa, socketId: asSocketId('1.2'), channels: [{ channel: presenceX, member: { id: bobId } }] };
const snapshot = (...sockets: SocketSnapshot[]): NodeSnapshot => ({ nodeId: n1, sockets });
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
      await h.bus.subscribe(pa, presenceX, (m) => frames.push(m.frame));
    });
    afterEach(async () => {
      await h.dispose();
    });

    it('asks an unknown node to register, then knows it', async () => {
      expect(await h.nodes.heartbeat(n1)).toBe(false);
      await h.nodes.register(snapshot());
      expect(await h.nodes.heartbeat(n1)).toBe(true);
    });

    it('register adds what the node holds: sockets, sign-ins, channels and members with their info', async () => {
      await h.nodes.register(snapshot(ann, bob));
      expect(await h.presence.onlineUsers(pa, [annId, bobId])).toEqual(['ann']);
      expect(await h.presence.counts(pa, news)).toEqual({ subscriptionCount: 1, userCount: 0 });
      const members = await h.presence.members(pa, presenceX);
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
      expect(await h.presence.channels(pa)).toEqual(new Map());
      expect(await h.presence.onlineUsers(pa, [annId])).toEqual(['ann']);
      await h.nodes.register(snapshot());
      expect(await h.presence.onlineUsers(pa, [annId])).toEqual([]);
    });
  });
}
