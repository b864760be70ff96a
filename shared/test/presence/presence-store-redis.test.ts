import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { asAppId, asChannelName, asNodeId, asSocketId } from '@sockudo-ts/shared';
import { RedisPresenceStore } from '@sockudo-ts/shared/implementations';
import { REDIS, servicesUp, uniquePrefix } from '../../../tests/kit/services.js';
import { describePresenceStoreContract } from './presence-store-contract.js';

const up = await servicesUp('RedisPresenceStore contract', REDIS);

describe.skipIf(!up)('RedisPresenceStore', () => {
  describePresenceStoreContract('RedisPresenceStore', async () => {
    const store = await RedisPresenceStore.connect({ url: `redis://${REDIS.host}:${REDIS.port}`, prefix: uniquePrefix('ps') + ':' });
    return {
      store,
      dispose: async () => {
        await store.clear();
        await store.close();
      },
    };
  });

  // why: GET /channels of an app with ~70k channels outgrew the gRPC reply; the service pages, and each page
  // now reads only its own channels from the sorted set instead of the whole channel list.
  it('pages through 70,000 channels, each exactly once and in name order', async () => {
    const store = await RedisPresenceStore.connect({ url: `redis://${REDIS.host}:${REDIS.port}`, prefix: uniquePrefix('pp') + ':' });
    try {
      const N = 70_000;
      const big = asAppId('big');
      const socket = asSocketId('1.1');
      await store.connect(big, socket, asNodeId('n1'), 0);
      const name = (i: number) => asChannelName(`private-room-${i.toString(36)}`);
      // why: ioredis sends the calls of one tick as one pipeline; 5,000 at a time keep the client's queue short.
      for (let i = 0; i < N; i += 5000) {
        await Promise.all(Array.from({ length: Math.min(5000, N - i) }, (_, k) => store.subscribe(big, name(i + k), socket, undefined, 0)));
      }
      const seen = new Set<string>();
      let previous = '';
      let after = '';
      let pages = 0;
      for (;;) {
        const page = await store.channelsPage(big, after, 10_000);
        pages++;
        for (const [channel, counts] of page.channels) {
          expect(seen.has(channel)).toBe(false);
          expect(channel > previous).toBe(true);
          expect(counts).toEqual({ subscriptionCount: 1, userCount: 0 });
          seen.add(channel);
          previous = channel;
        }
        if (page.next === '') break;
        after = page.next;
      }
      expect(pages).toBe(7);
      expect(seen.size).toBe(N);
      for (let i = 0; i < N; i += 997) expect(seen.has(name(i))).toBe(true);
    } finally {
      await store.clear();
      await store.close();
    }
  }, 120_000);

  it('reads the channel set an older version wrote, once, and drops the vacated channels it still names', async () => {
    const prefix = uniquePrefix('pm') + ':';
    const store = await RedisPresenceStore.connect({ url: `redis://${REDIS.host}:${REDIS.port}`, prefix });
    const raw = new Redis(`redis://${REDIS.host}:${REDIS.port}`);
    try {
      await raw.hset(`${prefix}c:old:kept`, '1.1', '');
      await raw.sadd(`${prefix}cs:old`, 'kept', 'vacated-meanwhile');
      expect(await store.channelsPage(asAppId('old'), '', 10)).toEqual({ channels: new Map([['kept', { subscriptionCount: 1, userCount: 0 }]]), next: '' });
      expect(await raw.exists(`${prefix}cs:old`)).toBe(0);
      expect([...(await store.channels(asAppId('old'))).keys()]).toEqual(['kept']);
      // the vacated name is gone from the store, not only skipped by every read
      expect(await raw.zrange(`${prefix}cz:old`, 0, -1)).toEqual(['kept']);
    } finally {
      raw.disconnect();
      await store.clear();
      await store.close();
    }
  });
});
