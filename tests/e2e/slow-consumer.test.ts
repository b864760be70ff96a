import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, metricValue, rawClient, rawSubscribe, startServer, waitFor, type RawClient, type TestServer } from '../kit/index.js';

describe('slow consumers: a socket that does not read is closed with 4100; the others get everything', () => {
  let server: TestServer;
  const raws: RawClient[] = [];
  beforeAll(async () => {
    server = await startServer({ config: { websocket: { max_buffered_bytes: 64 * 1024 } } });
  });
  afterAll(async () => {
    for (const r of raws) r.close();
    await server.stop();
  });

  it('closes the paused socket with 4100 once its buffer passes max_buffered_bytes', async () => {
    const slow = await rawClient(server);
    const fast = await rawClient(server);
    raws.push(slow, fast);
    for (const c of [slow, fast]) {
      rawSubscribe(server, c, await c.socketId(), 'firehose');
      await c.event('pusher_internal:subscription_succeeded', 'firehose');
    }
    let fastCount = 0;
    fast.ws.on('message', (data) => {
      if (String(data).startsWith('{"event":"big"')) fastCount++;
    });
    const socket = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();

    const sdk = apiClient(server);
    const payload = 'x'.repeat(9 * 1024);
    let published = 0;
    // Publish 90 KB batches until the server gives up on the paused socket (bounded: 64 MB at most).
    for (let round = 0; round < 700; round++) {
      await sdk.triggerBatch(Array.from({ length: 10 }, (_, i) => ({ channel: 'firehose', name: 'big', data: `${round}-${i}-${payload}` })));
      published += 10;
      if (round % 10 === 9 && (await metricValue(server, 'sockudo_slow_consumer_closes_total')) >= 1) break;
    }
    expect(await metricValue(server, 'sockudo_slow_consumer_closes_total')).toBe(1);
    socket.resume();
    const closed = await slow.closed;
    expect(closed.code).toBe(4100);
    // The normal subscriber on the same channel received every event, in full.
    await waitFor(() => fastCount === published, 20_000, `fast client to receive ${published} events (has ${fastCount})`);
    expect(fast.ws.readyState).toBe(fast.ws.OPEN);
    // The slow socket is gone from the channel.
    const res = await sdk.get({ path: '/channels/firehose', params: { info: 'subscription_count' } });
    await waitFor(async () => {
      const again = await sdk.get({ path: '/channels/firehose', params: { info: 'subscription_count' } });
      return ((await again.json()) as { subscription_count: number }).subscription_count === 1;
    }, 5000, 'slow socket removed from the channel');
    expect(res.status).toBe(200);
  }, 60_000);
});
