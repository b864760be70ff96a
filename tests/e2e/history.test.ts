import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, startServer, type TestServer } from '../kit/index.js';

interface Page {
  items: Array<{ serial: number; stream_id: string; message_id: string; event: string; data: string; published_at_ms: number }>;
  direction: string;
  limit: number;
  has_more: boolean;
  next_cursor: string | null;
}

// GET /apps/{id}/channels/{channel}/history on the embedded server (history in memory), through the pusher SDK's signed get.
describe('HTTP API: channel history (embedded server)', () => {
  let server: TestServer;
  const channel = 'history-feed';
  const get = async (params: Record<string, string> = {}, path = `/channels/${channel}/history`): Promise<Page> => {
    const res = await apiClient(server).get({ path, params });
    expect(res.status).toBe(200);
    return (await res.json()) as Page;
  };
  const getError = async (params: Record<string, string>): Promise<{ status: number; body: unknown }> => {
    try {
      await apiClient(server).get({ path: `/channels/${channel}/history`, params });
    } catch (err) {
      const e = err as { status: number; body: string };
      return { status: e.status, body: JSON.parse(e.body) as unknown };
    }
    throw new Error('GET succeeded');
  };

  beforeAll(async () => {
    server = await startServer({ config: { recovery: { enabled: true, buffer_size: 10 }, history: { enabled: true } } });
    const sdk = apiClient(server);
    for (let i = 0; i < 250; i++) await sdk.trigger(channel, 'tick', { i });
    await sdk.trigger('history-other', 'tock', { other: true });
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('answers the newest 100 events first by default, in the documented shape', async () => {
    const page = await get();
    expect(Object.keys(page).sort()).toEqual(['direction', 'has_more', 'items', 'limit', 'next_cursor']);
    expect(page).toMatchObject({ direction: 'newest_first', limit: 100, has_more: true });
    expect(page.items).toHaveLength(100);
    expect(Object.keys(page.items[0]!).sort()).toEqual(['data', 'event', 'message_id', 'published_at_ms', 'serial', 'stream_id']);
    expect(page.items[0]).toMatchObject({ event: 'tick', data: JSON.stringify({ i: 249 }), stream_id: expect.any(String), message_id: expect.any(String) });
    expect(page.items.map((i) => JSON.parse(i.data).i)).toEqual(Array.from({ length: 100 }, (_, k) => 249 - k));
    expect(typeof page.next_cursor).toBe('string');
  });

  it('walks every event both ways with the cursor, past the recovery buffer, with no gap or repeat', async () => {
    for (const direction of ['oldest_first', 'newest_first']) {
      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const page: Page = await get({ direction, limit: '40', ...(cursor !== null ? { cursor } : {}) });
        seen.push(...page.items.map((i) => JSON.parse(i.data).i as number));
        cursor = page.next_cursor;
      } while (cursor !== null);
      const all = Array.from({ length: 250 }, (_, k) => k);
      expect(seen).toEqual(direction === 'oldest_first' ? all : all.reverse());
    }
  });

  it('narrows by serial and time, and keeps channels apart', async () => {
    const oldest = (await get({ direction: 'oldest_first', limit: '5' })).items;
    const page = await get({ direction: 'oldest_first', start_serial: String(oldest[1]!.serial), end_serial: String(oldest[3]!.serial) });
    expect(page.items.map((i) => i.serial)).toEqual(oldest.slice(1, 4).map((i) => i.serial));
    const timed = await get({ start_time_ms: String(oldest[0]!.published_at_ms), end_time_ms: String(Date.now() + 60_000), limit: '1000' });
    expect(timed.items).toHaveLength(250);
    const other = await get({}, '/channels/history-other/history');
    expect(other.items.map((i) => i.event)).toEqual(['tock']);
  });

  it('refuses a bad limit, direction or cursor with 400', async () => {
    expect((await getError({ limit: '1001' })).status).toBe(400);
    expect((await getError({ limit: 'ten' })).status).toBe(400);
    expect((await getError({ direction: 'sideways' })).status).toBe(400);
    expect(await getError({ cursor: 'bogus' })).toEqual({ status: 400, body: { error: expect.stringMatching(/cursor/) } });
  });
});
