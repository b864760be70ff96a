import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { asAppId, asChannelName, asNodeId, asSocketId, asUserId, type DisconnectResult, type PresenceStore } from '@sockudo-ts/shared';

// why: the store's methods take branded ids; each id the contract uses is marked once here.
const appA = asAppId('a');
const appB = asAppId('b');
const appC = asAppId('c');
const appNone = asAppId('none');
const n1 = asNodeId('n1');
const n2 = asNodeId('n2');
const s11 = asSocketId('1.1');
const s12 = asSocketId('1.2');
const s13 = asSocketId('1.3');
const s21 = asSocketId('2.1');
const s77 = asSocketId('7.7');
const s99 = asSocketId('9.9');
const u1 = asUserId('u1');
const u2 = asUserId('u2');
const ghost = asUserId('ghost');
const room = asChannelName('presence-room');
const presenceX = asChannelName('presence-x');
const presenceP = asChannelName('presence-p');
const presenceM = asChannelName('presence-m');
const newsEu = asChannelName('news.eu');
const other = asChannelName('other');
const chat = asChannelName('chat');
const page05 = asChannelName('page-05');
const page99 = asChannelName('page-99');

/** StoreHandle is a fresh, empty store for one test and how to dispose of it. */
export interface StoreHandle {
  store: PresenceStore;
  dispose(): Promise<void>;
}

const byChannel = (r: DisconnectResult): DisconnectResult => ({ ...r, left: [...r.left].sort((a, b) => a.channel.localeCompare(b.channel)) });
const sortIds = <T extends { id: string }>(list: T[]): T[] => [...list].sort((a, b) => a.id.localeCompare(b.id));

/**
 * describePresenceStoreContract runs the PresenceStore port's contract: the transitions every operation
 * reports, the cluster-wide counts, quotas, users online and dead-node removal.
 */
export function describePresenceStoreContract(name: string, make: () => Promise<StoreHandle>): void {
  describe(`PresenceStore contract: ${name}`, () => {
    let handle: StoreHandle;
    let store: PresenceStore;
    beforeEach(async () => {
      handle = await make();
      store = handle.store;
    });
    afterEach(async () => {
      await handle.dispose();
    });

    it('counts connections per app and enforces the maximum; ids are unique across nodes', async () => {
      expect(await store.connect(appA, s11, n1, 2)).toBe('added');
      expect(await store.connect(appA, s11, n1, 2)).toBe('added');
      expect(await store.connect(appA, s11, n2, 2)).toBe('taken');
      expect(await store.connect(appA, s12, n2, 2)).toBe('added');
      expect(await store.connect(appA, s13, n1, 2)).toBe('full');
      expect(await store.connect(appB, s13, n1, 2)).toBe('added');
      expect(await store.connectionCount(appA)).toBe(2);
      await store.disconnect(appA, s11);
      expect(await store.connectionCount(appA)).toBe(1);
      expect(await store.connect(appA, s13, n1, 2)).toBe('added');
      expect(await store.connect(appC, s99, n1, 0)).toBe('added');
    });

    it('reports occupied, member added/removed per user (not per socket) and vacated', async () => {
      for (const sid of [s11, s12, s13]) await store.connect(appA, sid, n1, 0);
      const first = await store.subscribe(appA, room, s11, { id: u1, info: { name: 'Ann' } }, 100);
      expect(first).toEqual({ ok: true, occupied: true, memberAdded: true, subscriptionCount: 1, members: [{ id: u1, info: { name: 'Ann' } }] });
      const second = await store.subscribe(appA, room, s12, { id: u1, info: { name: 'Ann' } }, 100);
      expect(second).toMatchObject({ ok: true, occupied: false, memberAdded: false, subscriptionCount: 2 });
      const third = await store.subscribe(appA, room, s13, { id: u2 }, 100);
      expect(third.ok && sortIds(third.members!)).toEqual([{ id: u1, info: { name: 'Ann' } }, { id: u2 }]);
      expect(await store.subscribe(appA, room, s13, { id: u2 }, 100)).toMatchObject({ memberAdded: false, subscriptionCount: 3 });
      expect(await store.counts(appA, room)).toEqual({ subscriptionCount: 3, userCount: 2 });
      expect(await store.unsubscribe(appA, room, s11)).toEqual({ channel: room, vacated: false, subscriptionCount: 2 });
      expect(await store.unsubscribe(appA, room, s11)).toBeUndefined();
      expect(await store.unsubscribe(appA, room, s12)).toEqual({ channel: room, vacated: false, memberRemoved: u1, subscriptionCount: 1 });
      expect(await store.unsubscribe(appA, room, s13)).toEqual({ channel: room, vacated: true, memberRemoved: u2, subscriptionCount: 0 });
      expect(await store.counts(appA, room)).toEqual({ subscriptionCount: 0, userCount: 0 });
      expect(await store.members(appA, room)).toEqual([]);
    });

    it('refuses a new member over the limit but lets an existing member add sockets', async () => {
      for (const sid of [s11, s12, s13]) await store.connect(appA, sid, n1, 0);
      await store.subscribe(appA, presenceX, s11, { id: u1 }, 1);
      expect(await store.subscribe(appA, presenceX, s12, { id: u2 }, 1)).toEqual({ ok: false, reason: 'members_limit' });
      expect(await store.subscribe(appA, presenceX, s13, { id: u1 }, 1)).toMatchObject({ ok: true, subscriptionCount: 2 });
    });

    it('lists occupied channels with counts and keeps apps apart', async () => {
      for (const sid of [s11, s12]) await store.connect(appA, sid, n1, 0);
      await store.connect(appB, s21, n1, 0);
      await store.subscribe(appA, newsEu, s11, undefined, 100);
      await store.subscribe(appA, newsEu, s12, undefined, 100);
      await store.subscribe(appA, presenceP, s11, { id: u1 }, 100);
      await store.subscribe(appB, other, s21, undefined, 100);
      expect(await store.channels(appA)).toEqual(
        new Map([
          [newsEu, { subscriptionCount: 2, userCount: 0 }],
          [presenceP, { subscriptionCount: 1, userCount: 1 }],
        ]),
      );
      expect([...(await store.channels(appB)).keys()]).toEqual([other]);
      expect(await store.channels(appNone)).toEqual(new Map());
    });

    it('pages through occupied channels in name order, each once, with counts; a vacated channel leaves the pages', async () => {
      await store.connect(appA, s11, n1, 0);
      await store.connect(appB, s21, n1, 0);
      const names = Array.from({ length: 23 }, (_, i) => asChannelName(`page-${String(i).padStart(2, '0')}`));
      for (const name of [...names].reverse()) await store.subscribe(appA, name, s11, undefined, 100);
      await store.subscribe(appA, presenceM, s11, { id: u1 }, 100);
      await store.subscribe(appB, page99, s21, undefined, 100);
      await store.unsubscribe(appA, page05, s11);
      const seen: string[] = [];
      let after = '';
      let pages = 0;
      for (;;) {
        const page = await store.channelsPage(appA, after, 5);
        pages++;
        expect(page.channels.size).toBeLessThanOrEqual(5);
        seen.push(...page.channels.keys());
        if (page.next === '') break;
        expect(page.next).toBe([...page.channels.keys()].at(-1));
        after = page.next;
      }
      const expected = [...names.filter((n) => n !== page05), presenceM];
      expect(seen).toEqual(expected);
      expect(pages).toBe(5);
      expect((await store.channelsPage(appA, 'page-21', 100)).channels).toEqual(
        new Map([
          ['page-22', { subscriptionCount: 1, userCount: 0 }],
          [presenceM, { subscriptionCount: 1, userCount: 1 }],
        ]),
      );
      expect(await store.channelsPage(appA, presenceM, 10)).toEqual({ channels: new Map(), next: '' });
      expect(await store.channelsPage(appNone, '', 10)).toEqual({ channels: new Map(), next: '' });
    });

    it('removes a socket from all its channels and reports the user offline with its last socket', async () => {
      for (const sid of [s11, s12]) await store.connect(appA, sid, n1, 0);
      expect(await store.signin(appA, s11, u1)).toEqual({ online: true });
      expect(await store.signin(appA, s12, u1)).toEqual({ online: false });
      expect(await store.signin(appA, s77, ghost)).toEqual({ online: false });
      await store.subscribe(appA, presenceP, s11, { id: u1 }, 100);
      await store.subscribe(appA, chat, s11, undefined, 100);
      await store.subscribe(appA, chat, s12, undefined, 100);
      expect(await store.onlineUsers(appA, [u1, u2, ghost])).toEqual([u1]);
      expect(byChannel(await store.disconnect(appA, s11))).toEqual({
        appId: appA,
        socketId: s11,
        left: [
          { channel: chat, vacated: false, subscriptionCount: 1 },
          { channel: presenceP, vacated: true, memberRemoved: u1, subscriptionCount: 0 },
        ],
      });
      expect(await store.onlineUsers(appA, [u1])).toEqual([u1]);
      expect(await store.disconnect(appA, s12)).toEqual({
        appId: appA,
        socketId: s12,
        left: [{ channel: chat, vacated: true, subscriptionCount: 0 }],
        offline: u1,
      });
      expect(await store.onlineUsers(appA, [u1])).toEqual([]);
      expect(await store.connectionCount(appA)).toBe(0);
      expect(await store.disconnect(appA, s12)).toEqual({ appId: appA, socketId: s12, left: [] });
    });

    it('tracks node heartbeats: unknown nodes must register; stale nodes are listed and removed', async () => {
      expect(await store.heartbeat(n1, 1000)).toBe(false);
      await store.registerNode(n1, 1000);
      await store.registerNode(n2, 1000);
      expect(await store.heartbeat(n1, 5000)).toBe(true);
      expect(await store.staleNodes(3000)).toEqual([n2]);
      await store.connect(appA, s11, n2, 0);
      await store.connect(appA, s12, n1, 0);
      await store.signin(appA, s11, u2);
      await store.subscribe(appA, presenceP, s11, { id: u2 }, 100);
      await store.subscribe(appA, presenceP, s12, { id: u1 }, 100);
      expect(await store.nodeSockets(n2)).toEqual([{ appId: appA, socketId: s11 }]);
      expect(await store.socketChannels(appA, s11)).toEqual([presenceP]);
      expect(await store.socketChannels(appA, s99)).toEqual([]);
      expect(await store.removeNode(n2)).toEqual([
        { appId: appA, socketId: s11, left: [{ channel: presenceP, vacated: false, memberRemoved: u2, subscriptionCount: 1 }], offline: u2 },
      ]);
      expect(await store.staleNodes(3000)).toEqual([]);
      expect(await store.heartbeat(n2, 6000)).toBe(false);
      expect(await store.members(appA, presenceP)).toEqual([{ id: u1 }]);
      expect(await store.connectionCount(appA)).toBe(1);
      expect(await store.nodeSockets(n2)).toEqual([]);
    });
  });
}
