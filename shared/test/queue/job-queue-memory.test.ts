import { MemoryJobQueue } from '@sockudo-ts/shared';
import { CONTRACT_RETRY, describeJobQueueContract, type TestJob } from './job-queue-contract.js';

describeJobQueueContract('MemoryJobQueue', async () => {
  const queue = new MemoryJobQueue<TestJob>(CONTRACT_RETRY);
  return { queue, dispose: () => queue.close() };
});
