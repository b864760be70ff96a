import { describe } from 'vitest';
import { REDIS, REDIS_SERVER_BINARY, binariesPresent, servicesUp, startRedisCluster } from '../kit/index.js';
import { describeClusterScenarios } from './bus-scenarios.js';

const up = (await servicesUp('cluster on the Redis Cluster bus', REDIS)) && binariesPresent('cluster on the Redis Cluster bus', REDIS_SERVER_BINARY);

describe.skipIf(!up)('cluster: ADAPTER_DRIVER=redis-cluster', () => {
  describeClusterScenarios('the Redis Cluster bus (3 private masters, one restarted)', async () => {
    const redis = await startRedisCluster(3);
    return {
      options: { bus: 'redis-cluster', busClusterNodes: redis.urls },
      stopServer: () => redis.nodes[1]!.kill('SIGKILL'),
      startServer: async () => {
        await redis.nodes[1]!.start();
        await redis.waitHealthy();
      },
      unavailable: /Redis/,
      close: () => redis.stop(),
    };
  });
});
