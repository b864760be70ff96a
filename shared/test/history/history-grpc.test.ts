import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAppId, asChannelName, createLogger, DependencyUnavailable, HistoryQueryError, MemoryHistoryStore } from '@sockudo-ts/shared';
import { GrpcHistoryReader, GrpcHistoryServer } from '@sockudo-ts/shared/implementations';

describe('history over gRPC (proto/history.proto)', () => {
  const store = new MemoryHistoryStore();
  const server = new GrpcHistoryServer(store, createLogger({ level: 'silent' }));
  let reader: GrpcHistoryReader;
  const app = asAppId('grpc-app');
  const channel = asChannelName('feed');
  beforeAll(async () => {
    await store.append(Array.from({ length: 30 }, (_, i) => ({ app_id: app, channel, serial: 10 + 2 * i, stream_id: 's1', message_id: `m${i}`, event: 'e', data: `{"i":${i}}`, published_at_ms: 1_700_000_000_000 + i, ...(i % 3 === 0 ? { user_id: `u${i}` } : {}) })));
    const port = await server.listen('127.0.0.1', 0);
    reader = new GrpcHistoryReader({ url: `127.0.0.1:${port}` });
  });
  afterAll(async () => {
    reader?.close();
    await server.stop(100);
  });

  it('answers exactly what the store answers, bounds and cursors included', async () => {
    const queries = [{}, { limit: 7, direction: 'oldest_first' as const }, { start_serial: 20, end_serial: 40 }, { start_time_ms: 1_700_000_000_005, end_time_ms: 1_700_000_000_009, limit: 2 }];
    for (const query of queries) {
      const remote = await reader.read(app, channel, query);
      // strictly: an item without a user_id has no such key, as from the store
      expect(remote).toStrictEqual(await store.read(app, channel, query));
      if (remote.next_cursor !== null) expect(await reader.read(app, channel, { ...query, cursor: remote.next_cursor })).toEqual(await store.read(app, channel, { ...query, cursor: remote.next_cursor }));
    }
    expect(await reader.read(app, asChannelName('empty'))).toEqual({ items: [], direction: 'newest_first', limit: 100, has_more: false, next_cursor: null });
  });

  it('gives a bad query back as HistoryQueryError and a service that is gone as DependencyUnavailable', async () => {
    await expect(reader.read(app, channel, { cursor: 'nope' })).rejects.toBeInstanceOf(HistoryQueryError);
    await expect(reader.read(app, channel, { limit: 5000 })).rejects.toBeInstanceOf(HistoryQueryError);
    const gone = new GrpcHistoryReader({ url: '127.0.0.1:1', deadlineMs: 500 });
    await expect(gone.read(app, channel)).rejects.toBeInstanceOf(DependencyUnavailable);
    gone.close();
  });
});
