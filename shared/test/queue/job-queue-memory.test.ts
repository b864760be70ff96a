import { describe, expect, it } from 'vitest';
import { MemoryJobQueue } from '@sockudo-ts/shared';
import { CONTRACT_RETRY, describeJobQueueContract, type TestJob } from './job-queue-contract.js';

describeJobQueueContract('MemoryJobQueue', async () => {
  const queue = new MemoryJobQueue<TestJob>(CONTRACT_RETRY);
  return { queue, dispose: () => queue.close() };
});

describe('MemoryJobQueue with a large backlog', () => {
  it('adds by id, cancels and counts per group without scanning the backlog', async () => {
    const queue = new MemoryJobQueue<{ app: string; n: number }>({ groupOf: (job) => job.app });
    const N = 100_000;
    for (let n = 0; n < N; n++) await queue.add({ app: n % 2 === 0 ? 'a' : 'b', n }, { jobId: `job-${n}` });
    // A second add with a waiting id is ignored; each cancel finds its job by id.
    await queue.add({ app: 'a', n: 0 }, { jobId: 'job-0' });
    expect(await queue.depth()).toBe(N);
    for (let n = 0; n < N; n += 2) expect(await queue.cancel(`job-${n}`)).toBe(true);
    expect(await queue.cancel('job-0')).toBe(false);
    expect(await queue.groupDepth('a')).toBe(0);
    expect(await queue.groupDepth('b')).toBe(N / 2);
    const seen: number[] = [];
    queue.process(async (job) => void seen.push(job.n), 4);
    await queue.idle();
    expect(seen).toHaveLength(N / 2);
    expect(seen.every((n) => n % 2 === 1)).toBe(true);
    expect(await queue.depth()).toBe(0);
    await queue.bury({ app: 'b', n: -1 }, 'refused');
    expect((await queue.deadLetters()).map((l) => [l.job.n, l.error, l.attempts])).toEqual([[-1, 'refused', 0]]);
    await queue.close();
  });
});
