import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { asAppId, asChannelName, HistoryQueryError, type AppId, type ChannelMessage, type ChannelName, type HistoryDirection, type HistoryItem, type HistoryQuery, type HistoryStore } from '@sockudo-ts/shared';

/** HistoryStoreHandle is a fresh history store for one test and how to dispose of it. */
export interface HistoryStoreHandle {
  store: HistoryStore;
  dispose(): Promise<void>;
}

const T0 = 1_800_000_000_000;

/** message builds the stored message of `serial` on a channel, published `serial` ms after T0 unless told. */
function message(app: AppId, channel: ChannelName, serial: number, at = T0 + serial): ChannelMessage {
  return { app_id: app, channel, serial, stream_id: 'stream-a', message_id: `m-${serial}`, event: 'tick', data: JSON.stringify({ n: serial }), published_at_ms: at };
}

/** walk reads every page of a channel's history and returns the serials in the order read and the page count. */
async function walk(store: HistoryStore, app: AppId, channel: ChannelName, query: HistoryQuery): Promise<{ serials: number[]; pages: number }> {
  const serials: number[] = [];
  let cursor: string | undefined;
  let pages = 0;
  for (;;) {
    const page = await store.read(app, channel, { ...query, ...(cursor !== undefined ? { cursor } : {}) });
    pages++;
    expect(page.items.length).toBeLessThanOrEqual(page.limit);
    serials.push(...page.items.map((i) => i.serial));
    if (!page.has_more) {
      expect(page.next_cursor).toBeNull();
      return { serials, pages };
    }
    expect(typeof page.next_cursor).toBe('string');
    cursor = page.next_cursor!;
    if (pages > 100_000) throw new Error('the walk does not end');
  }
}

/**
 * describeHistoryStoreContract runs the HistoryStore port's contract: what the history service and the history
 * API rely on, whatever keeps the messages. Every test uses its own app ids, so a store shared between tests
 * (a database) needs no cleaning in between.
 */
export function describeHistoryStoreContract(name: string, make: () => Promise<HistoryStoreHandle>): void {
  describe(`HistoryStore contract: ${name}`, () => {
    let handle: HistoryStoreHandle;
    let store: HistoryStore;
    let app: AppId;
    const channel = asChannelName('history-room');
    const newApp = (): AppId => asAppId(`hist-${randomBytes(6).toString('hex')}`);

    beforeEach(async () => {
      handle = await make();
      store = handle.store;
      app = newApp();
    });
    afterEach(async () => {
      await handle.dispose();
    });

    it('stores a batch once: appending it again (a batch redone after a crash) stores nothing', async () => {
      const batch = [1, 2, 3].map((s) => message(app, channel, s));
      expect(await store.append(batch)).toBe(3);
      expect(await store.append([...batch, message(app, channel, 4)])).toBe(1);
      const page = await store.read(app, channel, { direction: 'oldest_first' });
      expect(page).toEqual({ items: [1, 2, 3, 4].map((s) => strip(message(app, channel, s))), direction: 'oldest_first', limit: 100, has_more: false, next_cursor: null });
    });

    it('keeps the user_id of a client event and gives none to events without one', async () => {
      const presence = asChannelName('presence-history-room');
      await store.append([{ ...message(app, presence, 1), event: 'client-said', user_id: 'ann' }, message(app, presence, 2), { ...message(app, presence, 3), event: 'client-said', user_id: 'bob' }]);
      const page = await store.read(app, presence, { direction: 'oldest_first' });
      expect(page.items.map((i) => [i.serial, i.event, i.user_id])).toEqual([
        [1, 'client-said', 'ann'],
        [2, 'tick', undefined],
        [3, 'client-said', 'bob'],
      ]);
      // absent, not null or empty: the answer has the live frame's fields only
      expect(Object.keys(page.items[1]!)).not.toContain('user_id');
    });

    it('answers newest first with 100 items by default, and keeps apps and channels apart', async () => {
      await store.append(Array.from({ length: 150 }, (_, i) => message(app, channel, i + 1)));
      await store.append([message(app, asChannelName('other'), 500), message(newApp(), channel, 600)]);
      const page = await store.read(app, channel);
      expect(page.direction).toBe('newest_first');
      expect(page.limit).toBe(100);
      expect(page.has_more).toBe(true);
      expect(page.items.map((i) => i.serial)).toEqual(Array.from({ length: 100 }, (_, i) => 150 - i));
      expect((await store.read(app, asChannelName('nobody'))).items).toEqual([]);
    });

    it('orders by serial whatever order the messages were appended in', async () => {
      await store.append([9, 3, 7].map((s) => message(app, channel, s)));
      await store.append([1, 5].map((s) => message(app, channel, s)));
      expect((await store.read(app, channel, { direction: 'oldest_first' })).items.map((i) => i.serial)).toEqual([1, 3, 5, 7, 9]);
      expect((await store.read(app, channel)).items.map((i) => i.serial)).toEqual([9, 7, 5, 3, 1]);
    });

    it('walks a 10,000-message channel both ways with no gap and no repeat', async () => {
      // why: serials are stream sequences shared by every channel, so a channel's serials have holes.
      const serials = Array.from({ length: 10_000 }, (_, i) => 3 * i + 2);
      for (let i = 0; i < serials.length; i += 2000) expect(await store.append(serials.slice(i, i + 2000).map((s) => message(app, channel, s)))).toBe(2000);
      const cases: Array<[HistoryDirection, number]> = [
        ['oldest_first', 1000],
        ['newest_first', 1000],
        ['oldest_first', 333],
        ['newest_first', 333],
      ];
      for (const [direction, limit] of cases) {
        const { serials: got, pages } = await walk(store, app, channel, { direction, limit });
        expect(got).toEqual(direction === 'oldest_first' ? serials : [...serials].reverse());
        expect(pages).toBe(Math.ceil(10_000 / limit));
      }
    }, 120_000);

    it('narrows by serial and time bounds (inclusive), also across pages', async () => {
      await store.append(Array.from({ length: 50 }, (_, i) => message(app, channel, i + 1)));
      const bySerial = await walk(store, app, channel, { start_serial: 10, end_serial: 30, limit: 7, direction: 'oldest_first' });
      expect(bySerial.serials).toEqual(Array.from({ length: 21 }, (_, i) => 10 + i));
      const byTime = await walk(store, app, channel, { start_time_ms: T0 + 5, end_time_ms: T0 + 14, limit: 4 });
      expect(byTime.serials).toEqual(Array.from({ length: 10 }, (_, i) => 14 - i));
      const both = await store.read(app, channel, { start_serial: 20, end_time_ms: T0 + 25, direction: 'oldest_first' });
      expect(both.items.map((i) => i.serial)).toEqual([20, 21, 22, 23, 24, 25]);
      expect((await store.read(app, channel, { start_serial: 60 })).items).toEqual([]);
    });

    it('refuses a bad limit, a foreign cursor and a cursor of the other direction', async () => {
      await store.append(Array.from({ length: 5 }, (_, i) => message(app, channel, i + 1)));
      await expect(store.read(app, channel, { limit: 0 })).rejects.toBeInstanceOf(HistoryQueryError);
      await expect(store.read(app, channel, { limit: 1001 })).rejects.toBeInstanceOf(HistoryQueryError);
      await expect(store.read(app, channel, { cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(HistoryQueryError);
      const first = await store.read(app, channel, { limit: 2 });
      expect(first.items.map((i) => i.serial)).toEqual([5, 4]);
      await expect(store.read(app, channel, { cursor: first.next_cursor!, direction: 'oldest_first' })).rejects.toBeInstanceOf(HistoryQueryError);
      expect((await store.read(app, channel, { limit: 1000 })).items).toHaveLength(5);
    });

    it('retention by age drops exactly the messages older than the age, in the apps it covers', async () => {
      const other = newApp();
      const now = T0 + 1000;
      // published at T0+1 .. T0+100: with a 950 ms age, the cutoff is T0+50; T0+50 itself stays.
      await store.append(Array.from({ length: 100 }, (_, i) => message(app, channel, i + 1)));
      await store.append(Array.from({ length: 100 }, (_, i) => message(other, channel, i + 1)));
      expect(await store.retain({ maxAgeMs: 950, apps: [app] }, now)).toBe(49);
      expect((await walk(store, app, channel, { direction: 'oldest_first' })).serials).toEqual(Array.from({ length: 51 }, (_, i) => 50 + i));
      expect((await walk(store, other, channel, {})).serials).toHaveLength(100);
      expect(await store.retain({ maxAgeMs: 950, apps: [app] }, now)).toBe(0);
    });

    it('retention by count keeps exactly the newest messages of each channel, and skips excepted apps', async () => {
      const other = newApp();
      const sizes: Record<string, number> = { a: 12, b: 5, c: 2 };
      for (const [name, size] of Object.entries(sizes)) {
        await store.append(Array.from({ length: size }, (_, i) => message(app, asChannelName(name), 10 + i)));
        await store.append(Array.from({ length: size }, (_, i) => message(other, asChannelName(name), 10 + i)));
      }
      expect(await store.retain({ maxItemsPerChannel: 5, apps: [app, other], exceptApps: [other] }, T0)).toBe(7);
      expect((await store.read(app, asChannelName('a'), { direction: 'oldest_first' })).items.map((i) => i.serial)).toEqual([17, 18, 19, 20, 21]);
      expect((await store.read(app, asChannelName('b'))).items).toHaveLength(5);
      expect((await store.read(app, asChannelName('c'))).items).toHaveLength(2);
      expect((await store.read(other, asChannelName('a'))).items).toHaveLength(12);
      // age first (cutoff T0+14): a loses 10..13, b 10..13, c both; then the cap of 1 takes a's 14..20.
      expect(await store.retain({ maxItemsPerChannel: 1, apps: [other], maxAgeMs: 1000 }, T0 + 1014)).toBe(4 + 4 + 2 + 7);
      expect((await store.read(other, asChannelName('b'))).items.map((i) => i.serial)).toEqual([14]);
      expect((await store.read(other, asChannelName('c'))).items).toEqual([]);
      expect((await store.read(other, asChannelName('a'))).items.map((i) => i.serial)).toEqual([21]);
    });
    it('keeps the streams of a channel apart when its stream starts over (new stream id, serials from 1 again)', async () => {
      await store.append([1, 2, 3, 4].map((s) => message(app, channel, s)));
      await store.append([message(app, asChannelName('kept'), 1)]);
      const restarted = [1, 2, 3].map((s) => ({ ...message(app, channel, s, T0 + 100 + s), stream_id: 'stream-b', message_id: `b-${s}` }));
      expect(await store.append(restarted)).toBe(3);
      // a read names no stream: the channel's newest one (its latest event's)
      const page = await store.read(app, channel, { direction: 'oldest_first' });
      expect(page.items.map((i) => [i.stream_id, i.serial])).toEqual([['stream-b', 1], ['stream-b', 2], ['stream-b', 3]]);
      // the old stream stays, by its id; a walk started on it stays on it, page after page
      const old = await walk(store, app, channel, { stream_id: 'stream-a', limit: 1 });
      expect(old.serials).toEqual([4, 3, 2, 1]);
      const first = await store.read(app, channel, { stream_id: 'stream-a', limit: 2, direction: 'oldest_first' });
      const second = await store.read(app, channel, { cursor: first.next_cursor!, direction: 'oldest_first' });
      expect(second.items.map((i) => [i.stream_id, i.serial])).toEqual([['stream-a', 3], ['stream-a', 4]]);
      await expect(store.read(app, channel, { cursor: first.next_cursor!, direction: 'oldest_first', stream_id: 'stream-b' })).rejects.toBeInstanceOf(HistoryQueryError);
      expect((await store.read(app, channel, { stream_id: 'stream-c' })).items).toEqual([]);
      expect((await store.read(app, asChannelName('kept'))).items).toHaveLength(1);
      // redone batches of either stream store nothing twice
      expect(await store.append(restarted)).toBe(0);
      expect(await store.append([message(app, channel, 2)])).toBe(0);
      // the count cap counts a channel's events over its streams, newest first
      expect(await store.retain({ maxItemsPerChannel: 4, apps: [app] }, T0)).toBe(3);
      expect((await store.read(app, channel, { stream_id: 'stream-a' })).items.map((i) => i.serial)).toEqual([4]);
      expect((await store.read(app, channel)).items).toHaveLength(3);
    });
  });
}

function strip(m: ChannelMessage): HistoryItem {
  const { app_id: _app, channel: _channel, ...item } = m;
  return item;
}
