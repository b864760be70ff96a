import { describe } from 'vitest';
import { REDIS, REDIS_SERVER_BINARY, binariesPresent, servicesUp, startRedisServer } from '../kit/index.js';
import { describeClusterScenarios } from './bus-scenarios.js';

const up = (await servicesUp('cluster on the Redis bus', REDIS)) && binariesPresent('cluster on the Redis bus', REDIS_SERVER_BINARY);

describe.skipIf(!up)('cluster: ADAPTER_DRIVER=redis', () => {
  describeClusterScenarios('the Redis bus (a private redis-server, restarted)', async () => {
    const redis = await startRedisServer();
    return {
      options: { bus: 'redis', busRedisUrl: `redis://127.0.0.1:${redis.port}` },
      stopServer: () => redis.kill('SIGKILL'),
      startServer: () => redis.start(),
      unavailable: /Redis/,
      close: () => redis.kill(),
    };
  });
});
