import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HistoryError, createPusher, type HistoryPage, type HistoryQuery, type RecoveringPusher } from '@sockudo-ts/pusher-recovery';
import { apiClient, startServer, waitFor, type TestServer } from '../kit/index.js';

// Issue 12 §3: the client package reads history over the socket (sockudo:channel_history) with the HTTP API's
// fields and answer.
describe('the client package reads channel history over the socket', () => {
  let server: TestServer;
  let bare: TestServer;
  const clients: RecoveringPusher[] = [];
  const client = (on: TestServer): RecoveringPusher => {
    const pusher = createPusher(on.app.key, { cluster: 'local', wsHost: '127.0.0.1', wsPort: on.port, forceTLS: false, enabledTransports: ['ws'], disableStats: true } as never);
    clients.push(pusher);
    return pusher;
  };
  const subscribed = (pusher: RecoveringPusher, channel: string): Promise<void> =>
    new Promise((resolve) => {
      pusher.subscribe(channel).bind('pusher:subscription_succeeded', () => resolve());
    });
  /** overHttp reads the same page with the pusher SDK's signed get. */
  const overHttp = async (on: TestServer, channel: string, query: HistoryQuery): Promise<HistoryPage> => {
    const res = await apiClient(on).get({ path: `/channels/${channel}/history`, params: Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)])) });
    expect(res.status).toBe(200);
    return (await res.json()) as HistoryPage;
  };
  const channelName = (): string => `hist-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    server = await startServer({ config: { recovery: { enabled: true, buffer_size: 100 }, history: { enabled: true } } });
    bare = await startServer({ config: { recovery: { enabled: true } } });
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await server?.stop();
    await bare?.stop();
  });

  it('answers every query with the page the HTTP API gives, and walks a channel both ways by cursor', async () => {
    const channel = channelName();
    const pusher = client(server);
    await subscribed(pusher, channel);
    const sdk = apiClient(server);
    for (let i = 1; i <= 7; i++) await sdk.trigger(channel, 'numbered', { n: i });
    await waitFor(async () => (await overHttp(server, channel, {})).items.length === 7, 10_000, 'seven events in history');

    const queries: HistoryQuery[] = [{}, { limit: 3 }, { direction: 'oldest_first', limit: 2 }, { start_serial: 2, end_serial: 5 }, { start_time_ms: 0, end_time_ms: Date.now() + 60_000 }];
    for (const query of queries) {
      const page = await pusher.recovery.channelHistory(channel, query);
      expect([query, page]).toEqual([query, await overHttp(server, channel, query)]);
    }
    // the stream named explicitly, as a client that keeps reading one stream does
    const streamId = (await overHttp(server, channel, {})).items[0]!.stream_id;
    expect(await pusher.recovery.channelHistory(channel, { stream_id: streamId, limit: 4 })).toEqual(await overHttp(server, channel, { stream_id: streamId, limit: 4 }));
    const first = await pusher.recovery.channelHistory(channel);
    expect(first.items.map((m) => [m.event, JSON.parse(m.data)])).toEqual([7, 6, 5, 4, 3, 2, 1].map((n) => ['numbered', { n }]));
    expect(first).toMatchObject({ direction: 'newest_first', limit: 100, has_more: false, next_cursor: null });

    for (const direction of ['oldest_first', 'newest_first'] as const) {
      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const page: HistoryPage = await pusher.recovery.channelHistory(channel, { direction, limit: 3, ...(cursor !== null ? { cursor } : {}) });
        seen.push(...page.items.map((m) => (JSON.parse(m.data) as { n: number }).n));
        cursor = page.next_cursor;
      } while (cursor !== null);
      expect([direction, seen]).toEqual([direction, direction === 'oldest_first' ? [1, 2, 3, 4, 5, 6, 7] : [7, 6, 5, 4, 3, 2, 1]]);
    }
    // several reads at once each get their own page
    const pages = await Promise.all([1, 2, 3].map((limit) => pusher.recovery.channelHistory(channel, { limit, direction: 'oldest_first' })));
    expect(pages.map((p) => p.items.length)).toEqual([1, 2, 3]);
  });

  it('rejects with HistoryError 4300 what the server refuses, and the socket keeps working', async () => {
    const channel = channelName();
    const pusher = client(server);
    await subscribed(pusher, channel);
    const refused = async (read: Promise<HistoryPage>): Promise<HistoryError> => {
      const err = await read.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(HistoryError);
      return err as HistoryError;
    };
    const notSubscribed = await refused(pusher.recovery.channelHistory(`${channel}-other`));
    expect([notSubscribed.code, notSubscribed.message]).toEqual([4300, expect.stringMatching(/subscribed/)]);
    const badLimit = await refused(pusher.recovery.channelHistory(channel, { limit: 5000 }));
    expect([badLimit.code, badLimit.message]).toEqual([4300, expect.stringMatching(/limit/)]);
    expect(await pusher.recovery.channelHistory(channel)).toEqual({ items: [], direction: 'newest_first', limit: 100, has_more: false, next_cursor: null });
    expect(pusher.connection.state).toBe('connected');

    // a server without [history]
    const other = client(bare);
    await subscribed(other, channel);
    const off = await refused(other.recovery.channelHistory(channel));
    expect([off.code, off.message]).toEqual([4300, 'Channel history is not enabled']);

    // a client that is not connected fails at once
    const closed = client(server);
    closed.disconnect();
    expect((await refused(closed.recovery.channelHistory(channel))).code).toBeNull();
  });
});
