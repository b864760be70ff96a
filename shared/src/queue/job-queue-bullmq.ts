import { randomUUID } from 'node:crypto';
import { DelayedError, Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { DependencyUnavailable } from '../errors/dependency-unavailable.js';
import {
  DEFAULT_RETRY,
  Deferred,
  PermanentFailure,
  retryDelay,
  type DeadLetter,
  type DeadLetterCounter,
  type DeadLetterWriter,
  type GroupedQueue,
  type JobHandler,
  type JobOptions,
  type JobQueue,
  type RetryPolicy,
} from './job-queue.js';

/** BullMqJobQueueOptions say where the queue lives and how its jobs are retried and recovered. */
export interface BullMqJobQueueOptions<T = unknown> {
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
  /**
   * addTimeoutMs bounds how long `add` waits for Redis; past it (or at once while Redis is disconnected) add
   * fails with DependencyUnavailable instead of queueing the job in process memory. Default 2000.
   */
  addTimeoutMs?: number;
  /** groupOf names a job's group (its app): the queue counts each group's backlog for `groupDepth`. */
  groupOf?: (job: T) => string;
}

// why: retries are bounded by the policy's elapsed budget (the backoff strategy returns -1 when it is spent),
// not by a count; this count is only BullMQ's required upper bound.
const MAX_ATTEMPTS = 1_000_000;
const BACKOFF = 'retry-policy';
const JOB_NAME = 'job';
/** CLOSE_WAIT_MS bounds a graceful close (see close). */
const CLOSE_WAIT_MS = 5000;
// why: a job's group rides in its BullMQ name (`g:<group>`), so that finishing it can count the group down
// without reading or changing the job's own JSON.
const GROUP_NAME = 'g:';

/**
 * BullMqJobQueue is the JobQueue on BullMQ and Redis: jobs survive restarts of producers and workers, a
 * worker killed mid-job has its jobs redelivered once their lock expires, delays and retries use the same
 * back-off with full jitter as MemoryJobQueue, and dead letters are BullMQ's failed set (kept, listable,
 * replayable).
 */
export class BullMqJobQueue<T> implements JobQueue<T>, DeadLetterCounter, GroupedQueue, DeadLetterWriter<T> {
  private readonly queue: Queue;
  private worker?: Worker;
  private workerConnection?: Redis;
  private readonly retry: RetryPolicy;
  private readonly maxDeadLetters: number;
  private readonly keys: { groups: string; overflow: string; delayed: string };
  /** retryDelays hands the delay chosen when an attempt failed to BullMQ's back-off strategy (one draw of the jitter). */
  private readonly retryDelays = new Map<string, number>();

  private constructor(
    private readonly options: BullMqJobQueueOptions<T>,
    private readonly connection: Redis,
  ) {
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.maxDeadLetters = options.maxDeadLetters ?? 10_000;
    const prefix = options.prefix ?? 'bull';
    this.queue = new Queue(options.name, { connection, prefix });
    this.queue.on('error', () => undefined);
    const base = `${prefix}:${options.name}`;
    this.keys = { groups: `${base}:sockudo-groups`, overflow: `${base}:sockudo-overflow`, delayed: `${base}:delayed` };
  }

  /** connect opens the queue's Redis connection; it fails when Redis does not answer. */
  static async connect<T>(options: BullMqJobQueueOptions<T>): Promise<BullMqJobQueue<T>> {
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
    await this.bounded('add a job', async () => {
      const group = options.jobId === undefined ? this.options.groupOf?.(job) : undefined;
      await this.queue.add(group !== undefined ? GROUP_NAME + group : JOB_NAME, job, {
        ...(options.jobId !== undefined ? { jobId: options.jobId } : {}),
        ...(options.delayMs !== undefined && options.delayMs > 0 ? { delay: options.delayMs } : {}),
        attempts: MAX_ATTEMPTS,
        backoff: { type: BACKOFF },
        removeOnComplete: true,
        removeOnFail: { count: this.maxDeadLetters },
      });
      // why: BullMQ ignores an add with the id of a job that still exists, and does not say so; a job id
      // and a group together would count twice, so a group is counted only for a job without an id.
      if (group !== undefined) await this.connection.hincrby(this.keys.groups, group, 1);
    });
  }

  /**
   * cancel removes a job still held by its delay. why: only the delayed set is looked at (a sorted set,
   * O(log n)); finding a due job in the wait list costs O(n) in Redis, which stalls every other client of
   * that Redis under a large backlog. A job whose delay has passed is no longer cancelled: it runs.
   */
  async cancel(jobId: string): Promise<boolean> {
    if ((await this.bounded('cancel a job', () => this.connection.zscore(this.keys.delayed, jobId))) === null) return false;
    const job = await Job.fromId(this.queue, jobId);
    if (job === undefined || job.attemptsMade > 0 || (job.attemptsStarted ?? 0) > 0) return false;
    try {
      await job.remove();
    } catch {
      // why: a worker took the job between the check and the removal; it runs, so it was not cancelled.
      return false;
    }
    await this.countDown(job.name);
    return true;
  }

  async groupDepth(group: string): Promise<number> {
    return Math.max(0, Number((await this.bounded('read a backlog', () => this.connection.hget(this.keys.groups, group))) ?? 0));
  }

  /** bury keeps a job that was never queued in a capped list beside BullMQ's failed set; both are the dead letters. */
  async bury(job: T, error: string): Promise<void> {
    const letter: DeadLetter<T> = { id: `overflow-${randomUUID()}`, job, error, attempts: 0, failedAt: Date.now() };
    await this.bounded('bury a job', () =>
      this.connection.multi().lpush(this.keys.overflow, JSON.stringify(letter)).ltrim(this.keys.overflow, 0, this.maxDeadLetters - 1).exec(),
    );
  }

  /**
   * bounded runs one Redis operation for a producer, a reader or a scrape: refused at once while Redis is
   * down, failed after addTimeoutMs; never a wait without end (the worker's own loop waits for Redis instead).
   */
  private async bounded<R>(what: string, operation: () => Promise<R>): Promise<R> {
    if (this.connection.status !== 'ready') throw new DependencyUnavailable('redis', `the ${this.options.name} queue is unavailable`, `cannot ${what}: Redis connection is ${this.connection.status}`);
    const ms = this.options.addTimeoutMs ?? 2000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DependencyUnavailable('redis', `the ${this.options.name} queue is unavailable`, `cannot ${what}: no answer from Redis in ${ms} ms`)), ms);
    });
    try {
      return await Promise.race([operation(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async countDown(name: string): Promise<void> {
    if (!name.startsWith(GROUP_NAME)) return;
    await this.connection.hincrby(this.keys.groups, name.slice(GROUP_NAME.length), -1);
  }

  process(handler: JobHandler<T>, concurrency = 1): void {
    if (this.worker !== undefined) throw new Error(`the ${this.options.name} queue already has a consumer`);
    this.workerConnection = redisFor(this.options.url);
    const lockDuration = this.options.lockDurationMs ?? 30_000;
    this.worker = new Worker(
      this.options.name,
      async (job: Job, token?: string) => {
        const context = { id: job.id!, attempt: job.attemptsMade + 1, firstAttemptAt: firstAttemptAt(job) };
        try {
          await handler(job.data as T, context);
        } catch (err) {
          if (err instanceof Deferred && token !== undefined) {
            await job.moveToDelayed(Date.now() + err.delayMs, token);
            throw new DelayedError();
          }
          const next = err instanceof PermanentFailure ? undefined : retryDelay(this.retry, context.attempt, context.firstAttemptAt, Date.now());
          if (next === undefined) {
            await this.countDown(job.name);
            throw new UnrecoverableError((err as Error).message);
          }
          this.retryDelays.set(job.id!, next);
          throw err;
        }
        await this.countDown(job.name);
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
          backoffStrategy: (attemptsMade: number, _type?: string, _err?: Error, job?: { id?: string; timestamp: number; opts: { delay?: number } }) => {
            const chosen = job?.id !== undefined ? this.retryDelays.get(job.id) : undefined;
            if (chosen !== undefined) {
              this.retryDelays.delete(job!.id!);
              return chosen;
            }
            return retryDelay(this.retry, attemptsMade, job ? firstAttemptAt(job) : Date.now(), Date.now()) ?? -1;
          },
        },
      },
    );
    this.worker.on('error', () => undefined);
  }

  async deadLetters(): Promise<DeadLetter<T>[]> {
    return this.bounded('read the dead letters', () => this.readDeadLetters());
  }

  private async readDeadLetters(): Promise<DeadLetter<T>[]> {
    const jobs = await this.queue.getJobs(['failed'], 0, this.maxDeadLetters - 1, true);
    const failed = jobs.filter((j): j is Job => j !== undefined && j !== null).map((j) => ({
      id: j.id!,
      job: j.data as T,
      error: j.failedReason ?? '',
      attempts: j.attemptsMade,
      failedAt: j.finishedOn ?? j.timestamp,
    }));
    return [...failed, ...(await this.overflow()).map(([, letter]) => letter)];
  }

  async deadLetterCount(): Promise<number> {
    const [failed, overflow] = await this.bounded('count the dead letters', () =>
      Promise.all([this.queue.getJobCountByTypes('failed'), this.connection.llen(this.keys.overflow)]),
    );
    return failed + overflow;
  }

  private async overflow(): Promise<Array<[string, DeadLetter<T>]>> {
    const raw = await this.connection.lrange(this.keys.overflow, 0, this.maxDeadLetters - 1);
    return raw.map((text) => [text, JSON.parse(text) as DeadLetter<T>]);
  }

  async replay(id: string): Promise<boolean> {
    if (id.startsWith('overflow-')) {
      const found = (await this.overflow()).find(([, letter]) => letter.id === id);
      if (found === undefined || (await this.connection.lrem(this.keys.overflow, 1, found[0])) === 0) return false;
      await this.add(found[1].job);
      return true;
    }
    const job = await Job.fromId(this.queue, id);
    if (job === undefined || (await job.getState()) !== 'failed') return false;
    // why: a fresh job gets a fresh retry budget; adding before removing never loses the letter.
    await this.add(job.data as T);
    await job.remove();
    return true;
  }

  async depth(): Promise<number> {
    return this.bounded('count the backlog', () => this.queue.getJobCountByTypes('wait', 'delayed', 'prioritized'));
  }

  /** clear deletes every key of the queue (tests clean up their unique prefix with it). */
  async clear(): Promise<void> {
    await this.queue.obliterate({ force: true });
    await this.connection.del(this.keys.groups, this.keys.overflow);
  }

  /**
   * close stops the worker (its running jobs finish), then the queue and the connections. why: with Redis
   * down BullMQ's close and QUIT wait for a reconnect that may never come; past CLOSE_WAIT_MS the connections
   * are dropped instead, and jobs a killed worker held are redelivered after their lock expires.
   */
  async close(): Promise<void> {
    const graceful = (async () => {
      await this.worker?.close();
      await this.queue.close();
      await Promise.allSettled([this.connection.quit(), this.workerConnection?.quit()]);
    })();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), CLOSE_WAIT_MS)));
    const late = await Promise.race([graceful.then(() => false), timedOut]);
    clearTimeout(timer);
    if (late) {
      graceful.catch(() => undefined);
      this.connection.disconnect();
      this.workerConnection?.disconnect();
      void this.worker?.close(true).catch(() => undefined);
    }
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
