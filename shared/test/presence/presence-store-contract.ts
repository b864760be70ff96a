import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DisconnectResult, PresenceStore } from '@sockudo-ts/shared';

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
      expect(await store.connect('a', '1.1', 'n1', 2)).toBe('added');
      expect(await store.connect('a', '1.1', 'n1', 2)).toBe('added');
      expect(await store.connect('a', '1.1', 'n2', 2)).toBe('taken');
      expect(await store.connect('a', '1.2', 'n2', 2)).toBe('added');
      expect(await store.connect('a', '1.3', 'n1', 2)).toBe('full');
      expect(await store.connect('b', '1.3', 'n1', 2)).toBe('added');
      expect(await store.connectionCount('a')).toBe(2);
      await store.disconnect('a', '1.1');
      expect(await store.connectionCount('a')).toBe(1);
      expect(await store.connect('a', '1.3', 'n1', 2)).toBe('added');
      expect(await store.connect('c', '9.9', 'n1', 0)).toBe('added');
    });

    it('reports occupied, member added/removed per user (not per socket) and vacated', async () => {
      for (const sid of ['1.1', '1.2', '1.3']) await store.connect('a', sid, 'n1', 0);
      const first = await store.subscribe('a', 'presence-room', '1.1', { id: 'u1', info: { name: 'Ann' } }, 100);
      expect(first).toEqual({ ok: true, occupied: true, memberAdded: true, subscriptionCount: 1, members: [{ id: 'u1', info: { name: 'Ann' } }] });
      const second = await store.subscribe('a', 'presence-room', '1.2', { id: 'u1', info: { name: 'Ann' } }, 100);
      expect(second).toMatchObject({ ok: true, occupied: false, memberAdded: false, subscriptionCount: 2 });
      const third = await store.subscribe('a', 'presence-room', '1.3', { id: 'u2' }, 100);
      expect(third.ok && sortIds(third.members!)).toEqual([{ id: 'u1', info: { name: 'Ann' } }, { id: 'u2' }]);
      expect(await store.subscribe('a', 'presence-room', '1.3', { id: 'u2' }, 100)).toMatchObject({ memberAdded: false, subscriptionCount: 3 });
      expect(await store.counts('a', 'presence-room')).toEqual({ subscriptionCount: 3, userCount: 2 });
      expect(await store.unsubscribe('a', 'presence-room', '1.1')).toEqual({ channel: 'presence-room', vacated: false, subscriptionCount: 2 });
      expect(await store.unsubscribe('a', 'presence-room', '1.1')).toBeUndefined();
      expect(await store.unsubscribe('a', 'presence-room', '1.2')).toEqual({ channel: 'presence-room', vacated: false, memberRemoved: 'u1', subscriptionCount: 1 });
      expect(await store.unsubscribe('a', 'presence-room', '1.3')).toEqual({ channel: 'presence-room', vacated: true, memberRemoved: 'u2', subscriptionCount: 0 });
      expect(await store.counts('a', 'presence-room')).toEqual({ subscriptionCount: 0, userCount: 0 });
      expect(await store.members('a', 'presence-room')).toEqual([]);
    });

    it('refuses a new member over the limit but lets an existing member add sockets', async () => {
      for (const sid of ['1.1', '1.2', '1.3']) await store.connect('a', sid, 'n1', 0);
      await store.subscribe('a', 'presence-x', '1.1', { id: 'u1' }, 1);
      expect(await store.subscribe('a', 'presence-x', '1.2', { id: 'u2' }, 1)).toEqual({ ok: false, reason: 'members_limit' });
      expect(await store.subscribe('a', 'presence-x', '1.3', { id: 'u1' }, 1)).toMatchObject({ ok: true, subscriptionCount: 2 });
    });

    it('lists occupied channels with counts and keeps apps apart', async () => {
      for (const sid of ['1.1', '1.2']) await store.connect('a', sid, 'n1', 0);
      await store.connect('b', '2.1', 'n1', 0);
      await store.subscribe('a', 'news.eu', '1.1', undefined, 100);
      await store.subscribe('a', 'news.eu', '1.2', undefined, 100);
      await store.subscribe('a', 'presence-p', '1.1', { id: 'u1' }, 100);
      await store.subscribe('b', 'other', '2.1', undefined, 100);
      expect(await store.channels('a')).toEqual(
        new Map([
          ['news.eu', { subscriptionCount: 2, userCount: 0 }],
          ['presence-p', { subscriptionCount: 1, userCount: 1 }],
        ]),
      );
      expect([...(await store.channels('b')).keys()]).toEqual(['other']);
      expect(await store.channels('none')).toEqual(new Map());
    });

    it('pages through occupied channels in name order, each once, with counts; a vacated channel leaves the pages', async () => {
      await store.connect('a', '1.1', 'n1', 0);
      await store.connect('b', '2.1', 'n1', 0);
      const names = Array.from({ length: 23 }, (_, i) => `page-${String(i).padStart(2, '0')}`);
      for (const name of [...names].reverse()) await store.subscribe('a', name, '1.1', undefined, 100);
      await store.subscribe('a', 'presence-m', '1.1', { id: 'u1' }, 100);
      await store.subscribe('b', 'page-99', '2.1', undefined, 100);
      await store.unsubscribe('a', 'page-05', '1.1');
      const seen: string[] = [];
      let after = '';
      let pages = 0;
      for (;;) {
        const page = await store.channelsPage('a', after, 5);
        pages++;
        expect(page.channels.size).toBeLessThanOrEqual(5);
        seen.push(...page.channels.keys());
        if (page.next === '') break;
        expect(page.next).toBe([...page.channels.keys()].at(-1));
        after = page.next;
      }
      const expected = [...names.filter((n) => n !== 'page-05'), 'presence-m'];
      expect(seen).toEqual(expected);
      expect(pages).toBe(5);
      expect((await store.channelsPage('a', 'page-21', 100)).channels).toEqual(
        new Map([
          ['page-22', { subscriptionCount: 1, userCount: 0 }],
          ['presence-m', { subscriptionCount: 1, userCount: 1 }],
        ]),
      );
      expect(await store.channelsPage('a', 'presence-m', 10)).toEqual({ channels: new Map(), next: '' });
      expect(await store.channelsPage('none', '', 10)).toEqual({ channels: new Map(), next: '' });
    });

    it('removes a socket from all its channels and reports the user offline with its last socket', async () => {
      for (const sid of ['1.1', '1.2']) await store.connect('a', sid, 'n1', 0);
      expect(await store.signin('a', '1.1', 'u1')).toEqual({ online: true });
      expect(await store.signin('a', '1.2', 'u1')).toEqual({ online: false });
      expect(await store.signin('a', '7.7', 'ghost')).toEqual({ online: false });
      await store.subscribe('a', 'presence-p', '1.1', { id: 'u1' }, 100);
      await store.subscribe('a', 'chat', '1.1', undefined, 100);
      await store.subscribe('a', 'chat', '1.2', undefined, 100);
      expect(await store.onlineUsers('a', ['u1', 'u2', 'ghost'])).toEqual(['u1']);
      expect(byChannel(await store.disconnect('a', '1.1'))).toEqual({
        appId: 'a',
        socketId: '1.1',
        left: [
          { channel: 'chat', vacated: false, subscriptionCount: 1 },
          { channel: 'presence-p', vacated: true, memberRemoved: 'u1', subscriptionCount: 0 },
        ],
      });
      expect(await store.onlineUsers('a', ['u1'])).toEqual(['u1']);
      expect(await store.disconnect('a', '1.2')).toEqual({
        appId: 'a',
        socketId: '1.2',
        left: [{ channel: 'chat', vacated: true, subscriptionCount: 0 }],
        offline: 'u1',
      });
      expect(await store.onlineUsers('a', ['u1'])).toEqual([]);
      expect(await store.connectionCount('a')).toBe(0);
      expect(await store.disconnect('a', '1.2')).toEqual({ appId: 'a', socketId: '1.2', left: [] });
    });

    it('tracks node heartbeats: unknown nodes must register; stale nodes are listed and removed', async () => {
      expect(await store.heartbeat('n1', 1000)).toBe(false);
      await store.registerNode('n1', 1000);
      await store.registerNode('n2', 1000);
      expect(await store.heartbeat('n1', 5000)).toBe(true);
      expect(await store.staleNodes(3000)).toEqual(['n2']);
      await store.connect('a', '1.1', 'n2', 0);
      await store.connect('a', '1.2', 'n1', 0);
      await store.signin('a', '1.1', 'u2');
      await store.subscribe('a', 'presence-p', '1.1', { id: 'u2' }, 100);
      await store.subscribe('a', 'presence-p', '1.2', { id: 'u1' }, 100);
      expect(await store.nodeSockets('n2')).toEqual([{ appId: 'a', socketId: '1.1' }]);
      expect(await store.socketChannels('a', '1.1')).toEqual(['presence-p']);
      expect(await store.socketChannels('a', '9.9')).toEqual([]);
      expect(await store.removeNode('n2')).toEqual([
        { appId: 'a', socketId: '1.1', left: [{ channel: 'presence-p', vacated: false, memberRemoved: 'u2', subscriptionCount: 1 }], offline: 'u2' },
      ]);
      expect(await store.staleNodes(3000)).toEqual([]);
      expect(await store.heartbeat('n2', 6000)).toBe(false);
      expect(await store.members('a', 'presence-p')).toEqual([{ id: 'u1' }]);
      expect(await store.connectionCount('a')).toBe(1);
      expect(await store.nodeSockets('n2')).toEqual([]);
    });
  });
}
