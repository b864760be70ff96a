import { describe } from 'vitest';
import { BullMqJobQueue } from '@sockudo-ts/shared/implementations';
import { REDIS, servicesUp, uniquePrefix } from '../../../tests/kit/services.js';
import { CONTRACT_RETRY, describeJobQueueContract, type TestJob } from './job-queue-contract.js';

const up = await servicesUp('BullMqJobQueue contract', REDIS);

describe.skipIf(!up)('BullMqJobQueue', () => {
  describeJobQueueContract('BullMqJobQueue', async () => {
    const queue = await BullMqJobQueue.connect<TestJob>({
      url: `redis://${REDIS.host}:${REDIS.port}`,
      name: 'webhooks',
      prefix: uniquePrefix('queue'),
      retry: CONTRACT_RETRY,
    });
    return {
      queue,
      dispose: async () => {
        await queue.clear();
        await queue.close();
      },
    };
  });
});
