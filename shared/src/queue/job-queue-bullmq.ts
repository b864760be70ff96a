import { Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import {
  DEFAULT_RETRY,
  PermanentFailure,
  retryDelay,
  type DeadLetter,
  type DeadLetterCounter,
  type JobHandler,
  type JobOptions,
  type JobQueue,
  type RetryPolicy,
} from './job-queue.js';

/** BullMqJobQueueOptions say where the queue lives and how its jobs are retried and recovered. */
export interface BullMqJobQueueOptions {
  /** url is a `redis://host:port/db` URL. */
  url: string;
  /** name is the queue name, e.g. `webhooks`. */
  name: string;
  /** prefix namespaces every Redis key of the queue. Default `bull`. Tests use a unique prefix per run. */
  prefix?: string;
  retry?: RetryPolicy;
  /**
   * lockDurationMs is how long a worker's claim on a job lasts without renewal. A worker killed mid-job
   * leaves its jobs locked this long; then they go back to the queue (redelivered). Default 30000.
   */
  lockDurationMs?: number;
  /** connectTimeoutMs fails `connect` when Redis does not answer in time. Default 5000. */
  connectTimeoutMs?: number;
  /** maxDeadLetters caps the dead letters kept (oldest dropped first). Default 10000. */
  maxDeadLetters?: number;
}

// why: retries are bounded by the policy's elapsed budget (the backoff strategy returns -1 when it is spent),
// not by a count; this count is only BullMQ's required upper bound.
const MAX_ATTEMPTS = 1_000_000;
const BACKOFF = 'retry-policy';
const JOB_NAME = 'job';

/**
 * BullMqJobQueue is the JobQueue on BullMQ and Redis: jobs survive restarts of producers and workers, a
 * worker killed mid-job has its jobs redelivered once their lock expires, delays and retries use the same
 * back-off with full jitter as MemoryJobQueue, and dead letters are BullMQ's failed set (kept, listable,
 * replayable).
 */
export class BullMqJobQueue<T> implements JobQueue<T>, DeadLetterCounter {
  private readonly queue: Queue;
  private worker?: Worker;
  private workerConnection?: Redis;
  private readonly retry: RetryPolicy;
  private readonly maxDeadLetters: number;

  private constructor(
    private readonly options: BullMqJobQueueOptions,
    private readonly connection: Redis,
  ) {
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.maxDeadLetters = options.maxDeadLetters ?? 10_000;
    this.queue = new Queue(options.name, { connection, prefix: options.prefix ?? 'bull' });
    this.queue.on('error', () => undefined);
  }

  /** connect opens the queue's Redis connection; it fails when Redis does not answer. */
  static async connect<T>(options: BullMqJobQueueOptions): Promise<BullMqJobQueue<T>> {
    const connection = redisFor(options.url);
    let timer: NodeJS.Timeout | undefined;
    try {
      // why: with maxRetriesPerRequest null a command waits forever for Redis; start-up must fail instead.
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${options.connectTimeoutMs ?? 5000} ms`)), options.connectTimeoutMs ?? 5000);
      });
      await Promise.race([connection.ping(), timeout]);
    } catch (err) {
      connection.disconnect();
      throw new Error(`cannot reach Redis for the ${options.name} queue: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
    return new BullMqJobQueue<T>(options, connection);
  }

  /** isConnected is true while the queue's Redis connection is up (readiness). */
  isConnected(): boolean {
    return this.connection.status === 'ready';
  }

  async add(job: T, options: JobOptions = {}): Promise<void> {
    await this.queue.add(JOB_NAME, job, {
      ...(options.jobId !== undefined ? { jobId: options.jobId } : {}),
      ...(options.delayMs !== undefined && options.delayMs > 0 ? { delay: options.delayMs } : {}),
      attempts: MAX_ATTEMPTS,
      backoff: { type: BACKOFF },
      removeOnComplete: true,
      removeOnFail: { count: this.maxDeadLetters },
    });
  }

  async cancel(jobId: string): Promise<boolean> {
    const job = await Job.fromId(this.queue, jobId);
    if (job === undefined || job.attemptsMade > 0 || (job.attemptsStarted ?? 0) > 0) return false;
    const state = await job.getState();
    if (state !== 'delayed' && state !== 'waiting' && state !== 'prioritized') return false;
    try {
      await job.remove();
      return true;
    } catch {
      // why: a worker took the job between the state check and the removal; it runs, so it was not cancelled.
      return false;
    }
  }

  process(handler: JobHandler<T>, concurrency = 1): void {
    if (this.worker !== undefined) throw new Error(`the ${this.options.name} queue already has a consumer`);
    this.workerConnection = redisFor(this.options.url);
    const lockDuration = this.options.lockDurationMs ?? 30_000;
    this.worker = new Worker(
      this.options.name,
      async (job: Job) => {
        const context = { id: job.id!, attempt: job.attemptsMade + 1, firstAttemptAt: firstAttemptAt(job) };
        try {
          await handler(job.data as T, context);
        } catch (err) {
          if (err instanceof PermanentFailure) throw new UnrecoverableError(err.message);
          throw err;
        }
      },
      {
        connection: this.workerConnection,
        prefix: this.options.prefix ?? 'bull',
        concurrency: Math.max(1, concurrency),
        lockDuration,
        stalledInterval: Math.max(500, Math.round(lockDuration / 2)),
        // why: a job whose worker died is redelivered, however many times that happens; never dropped.
        maxStalledCount: MAX_ATTEMPTS,
        settings: {
          backoffStrategy: (attemptsMade: number, _type?: string, _err?: Error, job?: { timestamp: number; opts: { delay?: number } }) =>
            retryDelay(this.retry, attemptsMade, job ? firstAttemptAt(job) : Date.now(), Date.now()) ?? -1,
        },
      },
    );
    this.worker.on('error', () => undefined);
  }

  async deadLetters(): Promise<DeadLetter<T>[]> {
    const jobs = await this.queue.getJobs(['failed'], 0, this.maxDeadLetters - 1, true);
    return jobs.filter((j): j is Job => j !== undefined && j !== null).map((j) => ({
      id: j.id!,
      job: j.data as T,
      error: j.failedReason ?? '',
      attempts: j.attemptsMade,
      failedAt: j.finishedOn ?? j.timestamp,
    }));
  }

  async deadLetterCount(): Promise<number> {
    return this.queue.getJobCountByTypes('failed');
  }

  async replay(id: string): Promise<boolean> {
    const job = await Job.fromId(this.queue, id);
    if (job === undefined || (await job.getState()) !== 'failed') return false;
    // why: a fresh job gets a fresh retry budget; adding before removing never loses the letter.
    await this.add(job.data as T);
    await job.remove();
    return true;
  }

  async depth(): Promise<number> {
    return this.queue.getJobCountByTypes('wait', 'delayed', 'prioritized');
  }

  /** clear deletes every key of the queue (tests clean up their unique prefix with it). */
  async clear(): Promise<void> {
    await this.queue.obliterate({ force: true });
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
    await Promise.allSettled([this.connection.quit(), this.workerConnection?.quit()]);
  }
}

/** redisFor opens an ioredis connection as BullMQ requires it (no per-request retry limit). */
function redisFor(url: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: null, retryStrategy: (times) => Math.min(100 * times, 2000) });
  // why: ioredis emits 'error' on every failed reconnect; without a listener Node would crash the process.
  redis.on('error', () => undefined);
  return redis;
}

/** firstAttemptAt is when the job first became due: creation time plus its initial delay. */
function firstAttemptAt(job: { timestamp: number; opts: { delay?: number } }): number {
  return job.timestamp + (job.opts.delay ?? 0);
}
