import { describe, expect, it } from 'vitest';
import { DependencyUnavailable, PermanentFailure } from '@sockudo-ts/shared';
import { BullMqJobQueue } from '@sockudo-ts/shared/implementations';
import { waitFor } from '../../../tests/kit/clients.js';
import { startRedisServer } from '../../../tests/kit/processes.js';
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

describe.skipIf(!up)('BullMqJobQueue groups, buried letters and a Redis that goes away', () => {
  it('counts the jobs of each group until they finish or fail for good, and buries refused jobs as dead letters', async () => {
    const queue = await BullMqJobQueue.connect<TestJob>({
      url: `redis://${REDIS.host}:${REDIS.port}`,
      name: 'webhooks',
      prefix: uniquePrefix('queue-groups'),
      retry: CONTRACT_RETRY,
      groupOf: (job) => (job.n % 2 === 0 ? 'even' : 'odd'),
    });
    try {
      for (let n = 0; n < 6; n++) await queue.add({ v: 1, n, text: `job ${n}` });
      expect(await queue.groupDepth('even')).toBe(3);
      expect(await queue.groupDepth('odd')).toBe(3);
      const done: number[] = [];
      queue.process(async (job) => {
        if (job.n === 4) throw new PermanentFailure('refused');
        done.push(job.n);
      }, 2);
      await waitFor(async () => (await queue.groupDepth('even')) === 0 && (await queue.groupDepth('odd')) === 0, 10_000, 'both groups to drain');
      expect(done.sort()).toEqual([0, 1, 2, 3, 5]);
      await queue.bury({ v: 1, n: 9, text: 'over the cap' }, 'backlog full');
      const letters = await queue.deadLetters();
      expect(letters.map((l) => l.job.n).sort()).toEqual([4, 9]);
      expect(await queue.deadLetterCount()).toBe(2);
      const buried = letters.find((l) => l.job.n === 9)!;
      expect(buried.error).toBe('backlog full');
      expect(await queue.replay(buried.id)).toBe(true);
      await waitFor(() => done.includes(9), 10_000, 'the replayed job');
      expect(await queue.deadLetterCount()).toBe(1);
    } finally {
      await queue.clear();
      await queue.close();
    }
  });

  it('answers at once while its Redis is down (reads, adds, close) instead of waiting for it', async () => {
    const redis = await startRedisServer();
    const queue = await BullMqJobQueue.connect<TestJob>({ url: `redis://127.0.0.1:${redis.port}`, name: 'webhooks', prefix: uniquePrefix('queue-down'), retry: CONTRACT_RETRY });
    queue.process(async () => undefined);
    await queue.add({ v: 1, n: 1, text: 'before' });
    await redis.kill('SIGKILL');
    await waitFor(() => !queue.isConnected(), 5000, 'the queue to notice');
    await expect(queue.add({ v: 1, n: 2, text: 'during' })).rejects.toBeInstanceOf(DependencyUnavailable);
    await expect(queue.depth()).rejects.toBeInstanceOf(DependencyUnavailable);
    await expect(queue.deadLetterCount()).rejects.toBeInstanceOf(DependencyUnavailable);
    await expect(queue.cancel('held')).rejects.toBeInstanceOf(DependencyUnavailable);
    // close gives up on the unreachable Redis after its bounded wait rather than hanging the shutdown
    await queue.close();
  }, 30_000);
});
