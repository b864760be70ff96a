import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, rawClient, startServer, waitFor, type RawClient, type RawFrame, type TestServer } from '../kit/index.js';

interface Page {
  items: Array<{ serial: number; stream_id: string; message_id: string; event: string; data: string; published_at_ms: number; user_id?: string }>;
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

// Resume and rewind past the hot buffer (5 events) come from history on the embedded server.
describe('recovery past the hot buffer from history (embedded server)', () => {
  let server: TestServer;
  const raws: RawClient[] = [];
  type V2Frame = RawFrame & { serial?: number; stream_id?: string; message_id?: string };
  const v2 = async (): Promise<RawClient> => {
    const c = await rawClient(server, `/app/${server.app.key}?protocol=2`);
    raws.push(c);
    await c.event('sockudo:connection_established');
    return c;
  };
  const subscribe = async (c: RawClient, channel: string, extra: Record<string, unknown> = {}): Promise<void> => {
    c.send({ event: 'sockudo:subscribe', data: { channel, ...extra } });
    await c.event('sockudo_internal:subscription_succeeded', channel);
  };
  const publish = async (channel: string, from: number, to: number): Promise<void> => {
    const api = apiClient(server);
    for (let i = from; i <= to; i++) await api.trigger(channel, 'numbered', { n: i });
  };
  const numbers = (c: RawClient, channel: string): number[] =>
    (c.frames.filter((f) => f.channel === channel && f.event === 'numbered') as V2Frame[]).map((f) => (JSON.parse(f.data!) as { n: number }).n);

  beforeAll(async () => {
    server = await startServer({ config: { recovery: { enabled: true, buffer_size: 5 }, history: { enabled: true } } });
  }, 120_000);
  afterAll(async () => {
    for (const c of raws) c.close();
    await server?.stop();
  });

  it('resumes a client that was away longer than the buffer with every missed event, in order', async () => {
    const channel = 'history-resume';
    const first = await v2();
    await subscribe(first, channel);
    await publish(channel, 1, 1);
    await waitFor(() => numbers(first, channel).length === 1);
    const last = first.frames.find((f) => f.channel === channel && f.event === 'numbered') as V2Frame;
    first.close();
    await publish(channel, 2, 30);
    const again = await v2();
    await subscribe(again, channel);
    again.send({ event: 'sockudo:resume', data: { channel_positions: { [channel]: { serial: last.serial, stream_id: last.stream_id } } } });
    const success = JSON.parse((await again.event('sockudo:resume_success')).data!) as { recovered: Array<{ replayed: number; source: string }>; failed: unknown[] };
    expect(success.failed).toEqual([]);
    expect(success.recovered[0]).toMatchObject({ replayed: 29, source: 'history' });
    expect(numbers(again, channel)).toEqual(Array.from({ length: 29 }, (_, i) => i + 2));
    await publish(channel, 31, 31);
    await waitFor(() => numbers(again, channel).length === 30);
    expect(numbers(again, channel).at(-1)).toBe(31);
  });

  it('still refuses a position history cannot prove (another stream id)', async () => {
    const channel = 'history-resume-reset';
    await publish(channel, 1, 12);
    const c = await v2();
    await subscribe(c, channel);
    c.send({ event: 'sockudo:resume', data: { channel_positions: { [channel]: { serial: 1, stream_id: 'another-stream' } } } });
    expect(JSON.parse((await c.event('sockudo:resume_failed', channel)).data!)).toMatchObject({ code: 'stream_reset' });
  });

  it('rewinds further back than the buffer from history', async () => {
    const channel = 'history-rewind';
    await publish(channel, 1, 40);
    const c = await v2();
    await subscribe(c, channel, { rewind: 20 });
    await c.event('sockudo:rewind_complete', channel);
    expect(numbers(c, channel)).toEqual(Array.from({ length: 20 }, (_, i) => i + 21));
    const t = await v2();
    await subscribe(t, channel, { rewind: { seconds: 600 } });
    await t.event('sockudo:rewind_complete', channel);
    expect(numbers(t, channel)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });
  it('answers sockudo:channel_history on a V2 socket with the HTTP page shape, for subscribed channels only', async () => {
    const channel = 'history-ws';
    await publish(channel, 1, 12);
    const c = await v2();
    c.send({ event: 'sockudo:channel_history', data: { channel, limit: 5 } });
    expect(JSON.parse((await c.event('sockudo:error')).data!)).toMatchObject({ code: 4300 });
    await subscribe(c, channel);
    c.send({ event: 'sockudo:channel_history', data: { channel, limit: 5, direction: 'oldest_first', request_id: 'r1' } });
    const first = JSON.parse((await c.event('sockudo:channel_history', channel)).data!) as { items: Array<{ data: string }>; has_more: boolean; next_cursor: string; request_id: string; limit: number; direction: string };
    expect(first).toMatchObject({ has_more: true, limit: 5, direction: 'oldest_first', request_id: 'r1' });
    expect(first.items.map((i) => (JSON.parse(i.data) as { n: number }).n)).toEqual([1, 2, 3, 4, 5]);
    c.send({ event: 'sockudo:channel_history', data: { channel, limit: 5, direction: 'oldest_first', cursor: first.next_cursor, request_id: 'r2' } });
    const second = await c.waitFrame((f) => f.event === 'sockudo:channel_history' && f.data!.includes('"r2"'));
    expect((JSON.parse(second.data!) as { items: Array<{ data: string }> }).items.map((i) => (JSON.parse(i.data) as { n: number }).n)).toEqual([6, 7, 8, 9, 10]);
  });
});

// A client event's live frame carries its sender's user_id (presence channels): a frame replayed from history
// (rewind or resume past the buffer) and a history read carry it too.
describe('client events replayed from history keep their user_id (embedded server)', () => {
  let server: TestServer;
  const raws: RawClient[] = [];
  const channel = 'presence-said';
  const EVENTS = new Set(['client-said', 'server-said']);
  const events = (c: RawClient): RawFrame[] => c.frames.filter((f) => f.channel === channel && EVENTS.has(f.event));
  /** join opens a socket, opts it in to V2 frames and subscribes it to the presence channel as `user`. */
  const join = async (user: string, extra: Record<string, unknown> = {}): Promise<RawClient> => {
    const c = await rawClient(server);
    raws.push(c);
    const socketId = await c.socketId();
    c.send({ event: 'sockudo:enable_v2', data: {} });
    const signed = apiClient(server).authorizeChannel(socketId, channel, { user_id: user } as never);
    c.send({ event: 'pusher:subscribe', data: { channel, auth: signed.auth, channel_data: signed.channel_data, ...extra } });
    await c.event('pusher_internal:subscription_succeeded', channel);
    return c;
  };

  beforeAll(async () => {
    server = await startServer({ app: { enable_client_messages: true }, config: { recovery: { enabled: true, buffer_size: 2 }, history: { enabled: true } } });
  }, 120_000);
  afterAll(async () => {
    for (const c of raws) c.close();
    await server?.stop();
  });

  it('rewinds, resumes and reads client events from history with the frame they had live', async () => {
    const [ann, bob] = [await join('ann'), await join('bob')];
    const sdk = apiClient(server);
    for (let k = 1; k <= 3; k++) {
      ann.send({ event: 'client-said', channel, data: { k } });
      await waitFor(() => events(bob).length === 2 * k - 1, 30_000, `client event ${k} at bob`);
      await sdk.trigger(channel, 'server-said', { k });
      await waitFor(() => events(bob).length === 2 * k, 30_000, `server event ${k} at bob`);
    }
    const live = events(bob);
    expect(live.map((f) => [f.event, (f as RawFrame & { user_id?: string }).user_id])).toEqual([
      ['client-said', 'ann'],
      ['server-said', undefined],
      ['client-said', 'ann'],
      ['server-said', undefined],
      ['client-said', 'ann'],
      ['server-said', undefined],
    ]);

    // a rewind of 6 with a buffer of 2: the first four come from history
    const cat = await join('cat', { rewind: 6 });
    await cat.event('sockudo:rewind_complete', channel);
    expect(events(cat)).toEqual(live);

    // a resume from the first event: the next five, the first three from history
    const back = await join('bob');
    const first = live[0] as RawFrame & { serial: number; stream_id: string };
    back.send({ event: 'sockudo:resume', data: { channel_positions: { [channel]: { serial: first.serial, stream_id: first.stream_id } } } });
    const success = JSON.parse((await back.event('sockudo:resume_success')).data!) as { recovered: Array<{ replayed: number; source: string }> };
    expect(success.recovered[0]).toMatchObject({ replayed: 5, source: 'history' });
    expect(events(back)).toEqual(live.slice(1));

    // a history read has the user_id of client events and no such field on the others
    const page = (await (await sdk.get({ path: `/channels/${channel}/history`, params: { direction: 'oldest_first' } })).json()) as Page;
    expect(page.items.map((i) => [i.event, i.user_id, 'user_id' in i])).toEqual(live.map((f) => [f.event, f.event === 'client-said' ? 'ann' : undefined, f.event === 'client-said']));
  });
});
