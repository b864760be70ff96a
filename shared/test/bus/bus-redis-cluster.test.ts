import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAppId, asChannelName, asNodeId, DependencyUnavailable, type BusMessage } from '@sockudo-ts/shared';
import { RedisClusterBus } from '@sockudo-ts/shared/implementations';
import { REDIS_SERVER_BINARY, binariesPresent, startRedisCluster, uniquePrefix, waitFor, type RedisClusterUnderTest } from '../../../tests/kit/index.js';
import { describeBusContract } from './bus-contract.js';

const app = asAppId('app');

const present = binariesPresent('RedisClusterBus', REDIS_SERVER_BINARY);

describe.skipIf(!present)('RedisClusterBus on a real 3-master Redis Cluster', () => {
  let cluster: RedisClusterUnderTest;
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  describeBusContract('RedisClusterBus', async () => {
    const prefix = `${uniquePrefix('bus')}:`;
    const a = await RedisClusterBus.connect({ nodes: [cluster.urls[0]!], prefix, nodeId: asNodeId('node-a') });
    const b = await RedisClusterBus.connect({ nodes: [cluster.urls[1]!], prefix, nodeId: asNodeId('node-b') });
    return { nodes: [a, b], close: async () => void (await Promise.all([a.close(), b.close()])) };
  });

  it('spreads channels over the shards and delivers on each after a master restarts', async () => {
    const prefix = `${uniquePrefix('bus')}:`;
    const a = await RedisClusterBus.connect({ nodes: cluster.urls, prefix, nodeId: asNodeId('a') });
    const b = await RedisClusterBus.connect({ nodes: [cluster.urls[2]!], prefix, nodeId: asNodeId('b') });
    try {
      const channels = Array.from({ length: 12 }, (_, i) => asChannelName(`room-${i}`));
      const seen = new Map<string, BusMessage[]>(channels.map((c) => [c, []]));
      for (const ch of channels) await b.subscribe(app, ch, (m) => seen.get(ch)!.push(m));
      const perShard = cluster.nodes.map((n) => shardChannels(n.port, prefix).length);
      expect(perShard.every((count) => count > 0)).toBe(true);
      // every channel plus each bus's control topic (one name: subscribed once on its shard)
      expect(perShard.reduce((x, y) => x + y, 0)).toBe(channels.length + 1);

      await cluster.restart(1);
      await cluster.waitHealthy();
      await waitFor(
        async () => {
          for (const ch of channels) await a.publish(app, ch, { frame: ch }).catch((err: unknown) => {
            if (!(err instanceof DependencyUnavailable)) throw err;
          });
          await new Promise((r) => setTimeout(r, 100));
          return channels.every((ch) => seen.get(ch)!.some((m) => m.frame === ch));
        },
        30_000,
        'delivery on every channel after the restart',
      );
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  }, 60_000);
});

/** shardChannels lists the sharded pub/sub channels under a prefix that a node serves subscribers of. */
function shardChannels(port: number, prefix: string): string[] {
  const out = execFileSync('/usr/bin/redis-cli', ['-p', String(port), 'pubsub', 'shardchannels', `${prefix}*`], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line !== '');
}
