import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { APP_DEFAULTS, asAppId, asChannelName, asNodeId, asSocketId, asUserId, type App, type Bus, type ControlMessage, type Presence } from '@sockudo-ts/shared';

const pa = asAppId('pa');
const n1 = asNodeId('n1');
const n2 = asNodeId('n2');
const s11 = asSocketId('1.1');
const s12 = asSocketId('1.2');
const s13 = asSocketId('1.3');
const s14 = asSocketId('1.4');
const s20 = asSocketId('2.0');
const s21 = asSocketId('2.1');
const s22 = asSocketId('2.2');
const ann = asUserId('ann');
const bob = asUserId('bob');
const zed = asUserId('zed');
const u0 = asUserId('u0');
const u1 = asUserId('u1');
const u2 = asUserId('u2');
const presenceX = asChannelName('presence-x');
const news = asChannelName('news');
const nobody = asChannelName('nobody');

/** PRESENCE_CONTRACT_APP is the app every Presence under contract serves (3 connections, 2 members). */
export const PRESENCE_CONTRACT_APP = {
  ...APP_DEFAULTS,
  id: pa,
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
      await h.bus.subscribe(pa, presenceX, (m) => frames.push(`${m.except ?? '-'} ${m.frame}`));
      h.bus.onControl((m) => control.push(m));
    });
    afterEach(async () => {
      await h.dispose();
    });

    it('admits sockets up to the app maximum and refuses an id held by another node', async () => {
      expect(await p.connect(pa, s11, n1)).toBe('added');
      expect(await p.connect(pa, s11, n2)).toBe('taken');
      expect(await p.connect(pa, s12, n1)).toBe('added');
      expect(await p.connect(pa, s13, n2)).toBe('added');
      expect(await p.connect(pa, s14, n2)).toBe('full');
      await p.disconnect(pa, s13);
      expect(await p.connect(pa, s14, n2)).toBe('added');
    });

    it('joins members with their info, announces them to the others and reports cluster-wide counts', async () => {
      await p.connect(pa, s11, n1);
      await p.connect(pa, s12, n2);
      expect(await p.subscribe(pa, presenceX, s11, { id: ann, info: { name: 'Ann', tags: ['a'] } })).toEqual({
        ok: true,
        occupied: true,
        memberAdded: true,
        subscriptionCount: 1,
        members: [{ id: ann, info: { name: 'Ann', tags: ['a'] } }],
      });
      const joined = await p.subscribe(pa, presenceX, s12, { id: bob });
      expect(joined.ok && joined.members!.map((m) => m.id).sort()).toEqual([ann, bob]);
      expect(await p.subscribe(pa, news, s12)).toEqual({ ok: true, occupied: true, memberAdded: false, subscriptionCount: 1 });
      expect(frames).toEqual([
        '1.1 {"event":"pusher_internal:member_added","channel":"presence-x","data":"{\\"user_id\\":\\"ann\\",\\"user_info\\":{\\"name\\":\\"Ann\\",\\"tags\\":[\\"a\\"]}}"}',
        '1.2 {"event":"pusher_internal:member_added","channel":"presence-x","data":"{\\"user_id\\":\\"bob\\"}"}',
      ]);
      expect(await p.counts(pa, presenceX)).toEqual({ subscriptionCount: 2, userCount: 2 });
      expect(await p.counts(pa, nobody)).toEqual({ subscriptionCount: 0, userCount: 0 });
      expect((await p.members(pa, presenceX)).sort((a, b) => a.id.localeCompare(b.id))).toEqual([
        { id: ann, info: { name: 'Ann', tags: ['a'] } },
        { id: bob },
      ]);
      expect(await p.channels(pa)).toEqual(
        new Map([
          [presenceX, { subscriptionCount: 2, userCount: 2 }],
          [news, { subscriptionCount: 1, userCount: 0 }],
        ]),
      );
    });

    it('announces a member leaving once its last socket leaves, and users going on and offline', async () => {
      for (const sid of [s11, s12]) {
        await p.connect(pa, sid, n1);
        await p.signin(pa, sid, ann);
        await p.subscribe(pa, presenceX, sid, { id: ann });
      }
      expect(await p.onlineUsers(pa, [ann, zed])).toEqual([ann]);
      frames.length = 0;
      await p.unsubscribe(pa, presenceX, s11);
      await p.disconnect(pa, s11);
      expect(frames).toEqual([]);
      await p.disconnect(pa, s12);
      expect(frames).toEqual(['- {"event":"pusher_internal:member_removed","channel":"presence-x","data":"{\\"user_id\\":\\"ann\\"}"}']);
      expect(control).toEqual([
        { type: 'user_presence', appId: pa, userId: ann, online: true },
        { type: 'user_presence', appId: pa, userId: ann, online: false },
      ]);
      expect(await p.onlineUsers(pa, [ann])).toEqual([]);
      expect(await p.channels(pa)).toEqual(new Map());
    });

    it('refuses a new member over the channel limit but lets a member add a socket', async () => {
      for (let i = 0; i < 3; i++) await p.connect(pa, asSocketId(`2.${i}`), n1);
      await p.subscribe(pa, presenceX, s20, { id: u0 });
      await p.subscribe(pa, presenceX, s21, { id: u1 });
      expect(await p.subscribe(pa, presenceX, s22, { id: u2 })).toEqual({ ok: false, reason: 'members_limit' });
      expect(await p.subscribe(pa, presenceX, s22, { id: u1 })).toMatchObject({ ok: true, memberAdded: false, subscriptionCount: 3 });
    });
  });
}
