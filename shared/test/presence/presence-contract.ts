import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { APP_DEFAULTS, type App, type Bus, type ControlMessage, type Presence } from '@sockudo-ts/shared';

/** PRESENCE_CONTRACT_APP is the app every Presence under contract serves (3 connections, 2 members). */
export const PRESENCE_CONTRACT_APP = {
  ...APP_DEFAULTS,
  id: 'pa',
  key: 'pk',
  secret: 'ps',
  max_connections: 3,
  max_presence_members_per_channel: 2,
} as App;

/** PresenceHandle is a Presence for one test and the bus it emits on (to watch what it causes). */
export interface PresenceHandle {
  presence: Presence;
  bus: Bus;
  dispose(): Promise<void>;
}

/**
 * describePresenceContract runs the Presence port's contract: what the gateway and api may rely on from
 * LocalPresence in process and from the presence service over gRPC alike, effects on the bus included.
 */
export function describePresenceContract(name: string, make: () => Promise<PresenceHandle>): void {
  describe(`Presence contract: ${name}`, () => {
    let h: PresenceHandle;
    let p: Presence;
    const frames: string[] = [];
    const control: ControlMessage[] = [];
    beforeEach(async () => {
      h = await make();
      p = h.presence;
      frames.length = 0;
      control.length = 0;
      await h.bus.subscribe('pa', 'presence-x', (m) => frames.push(`${m.except ?? '-'} ${m.frame}`));
      h.bus.onControl((m) => control.push(m));
    });
    afterEach(async () => {
      await h.dispose();
    });

    it('admits sockets up to the app maximum and refuses an id held by another node', async () => {
      expect(await p.connect('pa', '1.1', 'n1')).toBe('added');
      expect(await p.connect('pa', '1.1', 'n2')).toBe('taken');
      expect(await p.connect('pa', '1.2', 'n1')).toBe('added');
      expect(await p.connect('pa', '1.3', 'n2')).toBe('added');
      expect(await p.connect('pa', '1.4', 'n2')).toBe('full');
      await p.disconnect('pa', '1.3');
      expect(await p.connect('pa', '1.4', 'n2')).toBe('added');
    });

    it('joins members with their info, announces them to the others and reports cluster-wide counts', async () => {
      await p.connect('pa', '1.1', 'n1');
      await p.connect('pa', '1.2', 'n2');
      expect(await p.subscribe('pa', 'presence-x', '1.1', { id: 'ann', info: { name: 'Ann', tags: ['a'] } })).toEqual({
        ok: true,
        occupied: true,
        memberAdded: true,
        subscriptionCount: 1,
        members: [{ id: 'ann', info: { name: 'Ann', tags: ['a'] } }],
      });
      const bob = await p.subscribe('pa', 'presence-x', '1.2', { id: 'bob' });
      expect(bob.ok && bob.members!.map((m) => m.id).sort()).toEqual(['ann', 'bob']);
      expect(await p.subscribe('pa', 'news', '1.2')).toEqual({ ok: true, occupied: true, memberAdded: false, subscriptionCount: 1 });
      expect(frames).toEqual([
        '1.1 {"event":"pusher_internal:member_added","channel":"presence-x","data":"{\\"user_id\\":\\"ann\\",\\"user_info\\":{\\"name\\":\\"Ann\\",\\"tags\\":[\\"a\\"]}}"}',
        '1.2 {"event":"pusher_internal:member_added","channel":"presence-x","data":"{\\"user_id\\":\\"bob\\"}"}',
      ]);
      expect(await p.counts('pa', 'presence-x')).toEqual({ subscriptionCount: 2, userCount: 2 });
      expect(await p.counts('pa', 'nobody')).toEqual({ subscriptionCount: 0, userCount: 0 });
      expect((await p.members('pa', 'presence-x')).sort((a, b) => a.id.localeCompare(b.id))).toEqual([
        { id: 'ann', info: { name: 'Ann', tags: ['a'] } },
        { id: 'bob' },
      ]);
      expect(await p.channels('pa')).toEqual(
        new Map([
          ['presence-x', { subscriptionCount: 2, userCount: 2 }],
          ['news', { subscriptionCount: 1, userCount: 0 }],
        ]),
      );
    });

    it('announces a member leaving once its last socket leaves, and users going on and offline', async () => {
      for (const sid of ['1.1', '1.2']) {
        await p.connect('pa', sid, 'n1');
        await p.signin('pa', sid, 'ann');
        await p.subscribe('pa', 'presence-x', sid, { id: 'ann' });
      }
      expect(await p.onlineUsers('pa', ['ann', 'zed'])).toEqual(['ann']);
      frames.length = 0;
      await p.unsubscribe('pa', 'presence-x', '1.1');
      await p.disconnect('pa', '1.1');
      expect(frames).toEqual([]);
      await p.disconnect('pa', '1.2');
      expect(frames).toEqual(['- {"event":"pusher_internal:member_removed","channel":"presence-x","data":"{\\"user_id\\":\\"ann\\"}"}']);
      expect(control).toEqual([
        { type: 'user_presence', appId: 'pa', userId: 'ann', online: true },
        { type: 'user_presence', appId: 'pa', userId: 'ann', online: false },
      ]);
      expect(await p.onlineUsers('pa', ['ann'])).toEqual([]);
      expect(await p.channels('pa')).toEqual(new Map());
    });

    it('refuses a new member over the channel limit but lets a member add a socket', async () => {
      for (let i = 0; i < 3; i++) await p.connect('pa', `2.${i}`, 'n1');
      await p.subscribe('pa', 'presence-x', '2.0', { id: 'u0' });
      await p.subscribe('pa', 'presence-x', '2.1', { id: 'u1' });
      expect(await p.subscribe('pa', 'presence-x', '2.2', { id: 'u2' })).toEqual({ ok: false, reason: 'members_limit' });
      expect(await p.subscribe('pa', 'presence-x', '2.2', { id: 'u1' })).toMatchObject({ ok: true, memberAdded: false, subscriptionCount: 3 });
    });
  });
}
