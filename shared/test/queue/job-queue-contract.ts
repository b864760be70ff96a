import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Deferred, PermanentFailure, type DeadLetterCounter, type JobContext, type JobQueue, type RetryPolicy } from '@sockudo-ts/shared';
import { sleep, waitFor } from '../../../tests/kit/clients.js';

/** TestJob is the JSON job the contract suite moves through a queue. */
export interface TestJob {
  v: 1;
  n: number;
  text: string;
}

/** CONTRACT_RETRY is a fast retry policy: a few tens of ms per retry, 600 ms budget. */
export const CONTRACT_RETRY: RetryPolicy = { baseDelayMs: 20, maxDelayMs: 80, maxElapsedMs: 600 };

/** QueueUnderTest is a fresh, empty queue with the CONTRACT_RETRY policy, and how to dispose of it. */
export interface QueueUnderTest {
  queue: JobQueue<TestJob>;
  dispose(): Promise<void>;
}

/**
 * describeJobQueueContract runs the JobQueue port's contract against an implementation: what the webhook
 * sink and worker rely on, whatever stores the jobs.
 */
export function describeJobQueueContract(name: string, make: () => Promise<QueueUnderTest>): void {
  describe(`JobQueue contract: ${name}`, () => {
    let q: QueueUnderTest;
    let queue: JobQueue<TestJob>;
    beforeEach(async () => {
      q = await make();
      queue = q.queue;
    });
    afterEach(async () => {
      await q.dispose();
    });

    const job = (n: number): TestJob => ({ v: 1, n, text: `ü-${n} "quoted"` });

    it('runs every added job once, with its JSON intact', async () => {
      const seen: TestJob[] = [];
      queue.process(async (j) => void seen.push(j), 4);
      for (let n = 0; n < 5; n++) await queue.add(job(n));
      await waitFor(() => seen.length === 5, 5000, 'five jobs');
      await sleep(100);
      expect(seen.map((j) => j.n).sort()).toEqual([0, 1, 2, 3, 4]);
      expect(seen.find((j) => j.n === 3)).toEqual(job(3));
    });

    it('holds a delayed job until its delay has passed', async () => {
      const ranAt: number[] = [];
      queue.process(async () => void ranAt.push(Date.now()));
      const added = Date.now();
      await queue.add(job(1), { delayMs: 400 });
      expect(await queue.depth()).toBe(1);
      await waitFor(() => ranAt.length === 1, 5000, 'the delayed job');
      expect(ranAt[0]! - added).toBeGreaterThanOrEqual(380);
    });

    it('cancels a delayed job by id: it never runs, and a second cancel says false', async () => {
      const seen: number[] = [];
      queue.process(async (j) => void seen.push(j.n));
      await queue.add(job(1), { delayMs: 300, jobId: 'held-1' });
      await queue.add(job(2), { delayMs: 300, jobId: 'held-2' });
      expect(await queue.cancel('held-1')).toBe(true);
      expect(await queue.cancel('held-1')).toBe(false);
      expect(await queue.cancel('never-added')).toBe(false);
      await waitFor(() => seen.length === 1, 5000, 'the job that was not cancelled');
      await sleep(200);
      expect(seen).toEqual([2]);
    });

    it('ignores a second add with the id of a job that still waits', async () => {
      const seen: number[] = [];
      await queue.add(job(1), { delayMs: 200, jobId: 'same' });
      await queue.add(job(2), { delayMs: 200, jobId: 'same' });
      expect(await queue.depth()).toBe(1);
      queue.process(async (j) => void seen.push(j.n));
      await waitFor(() => seen.length === 1, 5000, 'the job');
      await sleep(200);
      expect(seen).toEqual([1]);
    });

    it('retries a failing job with back-off and tells the handler which attempt it runs', async () => {
      const contexts: JobContext[] = [];
      const ranAt: number[] = [];
      let done = false;
      queue.process(async (_j, context) => {
        contexts.push(context);
        ranAt.push(Date.now());
        if (context.attempt < 3) throw new Error(`attempt ${context.attempt} fails`);
        done = true;
      });
      await queue.add(job(1));
      await waitFor(() => done, 5000, 'the third attempt');
      expect(contexts.map((c) => c.attempt)).toEqual([1, 2, 3]);
      expect(new Set(contexts.map((c) => c.id)).size).toBe(1);
      expect(contexts[2]!.firstAttemptAt).toBe(contexts[0]!.firstAttemptAt);
      // full jitter keeps at least half of the exponential ceiling: 10 ms then 20 ms
      expect(ranAt[1]! - ranAt[0]!).toBeGreaterThanOrEqual(9);
      expect(ranAt[2]! - ranAt[1]!).toBeGreaterThanOrEqual(19);
      expect(await queue.deadLetters()).toEqual([]);
    });

    it('turns a PermanentFailure into a dead letter at once, with the job and the reason', async () => {
      let attempts = 0;
      queue.process(async () => {
        attempts++;
        throw new PermanentFailure('410 Gone');
      });
      await queue.add(job(7));
      await waitFor(async () => (await queue.deadLetters()).length === 1, 5000, 'the dead letter');
      const [letter] = await queue.deadLetters();
      expect(letter!.job).toEqual(job(7));
      expect(letter!.error).toContain('410 Gone');
      expect(letter!.attempts).toBe(1);
      expect(letter!.failedAt).toBeGreaterThan(Date.now() - 10_000);
      expect(attempts).toBe(1);
      expect(await queue.depth()).toBe(0);
      const counter = queue as Partial<DeadLetterCounter>;
      if (counter.deadLetterCount) expect(await counter.deadLetterCount()).toBe(1);
    });

    it('dead-letters a job once its retry budget is spent, and replays it on request', async () => {
      let failing = true;
      const delivered: number[] = [];
      const started = Date.now();
      queue.process(async (j) => {
        if (failing) throw new Error('503 Service Unavailable');
        delivered.push(j.n);
      });
      await queue.add(job(9));
      await waitFor(async () => (await queue.deadLetters()).length === 1, 8000, 'the dead letter');
      expect(Date.now() - started).toBeLessThan(CONTRACT_RETRY.maxElapsedMs + 2000);
      const [letter] = await queue.deadLetters();
      expect(letter!.attempts).toBeGreaterThan(2);
      expect(letter!.error).toContain('503');
      expect(delivered).toEqual([]);

      failing = false;
      expect(await queue.replay('no-such-letter')).toBe(false);
      expect(await queue.replay(letter!.id)).toBe(true);
      await waitFor(() => delivered.length === 1, 5000, 'the replayed job');
      expect(delivered).toEqual([9]);
      expect(await queue.deadLetters()).toEqual([]);
      expect(await queue.replay(letter!.id)).toBe(false);
    });

    it('counts waiting and delayed jobs in depth', async () => {
      await queue.add(job(1));
      await queue.add(job(2), { delayMs: 10_000 });
      expect(await queue.depth()).toBe(2);
    });

    it('puts a Deferred job back without counting an attempt or spending its retry budget', async () => {
      const attempts: number[] = [];
      let deferrals = 0;
      queue.process(async (_j, context: JobContext) => {
        if (deferrals < 3) {
          deferrals++;
          throw new Deferred(30, 'tenant busy');
        }
        attempts.push(context.attempt);
      });
      await queue.add(job(1));
      await waitFor(() => attempts.length === 1, 5000, 'the job after its deferrals');
      expect(attempts).toEqual([1]);
      expect(deferrals).toBe(3);
      expect(await queue.deadLetters()).toEqual([]);
    });
  });
}
