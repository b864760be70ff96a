import { randomUUID } from 'node:crypto';
import {
  DEFAULT_RETRY,
  Deferred,
  PermanentFailure,
  retryDelay,
  type DeadLetter,
  type DeadLetterCounter,
  type DeadLetterWriter,
  type GroupedQueue,
  type JobContext,
  type JobHandler,
  type JobOptions,
  type JobQueue,
  type RetryPolicy,
} from './job-queue.js';

interface Entry<T> {
  id: string;
  job: T;
  group: string | undefined;
  attempt: number;
  firstAttemptAt: number;
  timer?: NodeJS.Timeout;
  /** cancelled entries stay in the waiting list until the pump reaches them (O(1) cancel). */
  cancelled?: boolean;
}

/** MemoryJobQueueOptions tune the in-process queue; every field has a default. */
export interface MemoryJobQueueOptions<T> {
  retry?: RetryPolicy;
  /** maxDeadLetters caps the dead letters kept (oldest dropped first). Default 10000. */
  maxDeadLetters?: number;
  /** groupOf names a job's group (its app) for `groupDepth`; without it every job is ungrouped. */
  groupOf?: (job: T) => string;
}

/**
 * MemoryJobQueue has the semantics of the BullMQ queue in one process: delays, cancellation by id,
 * retries with exponential back-off and jitter, and dead letters. Jobs do not survive a restart. Adding,
 * cancelling and counting a group take constant time whatever the backlog (jobs are indexed by id and
 * counted per group).
 */
export class MemoryJobQueue<T> implements JobQueue<T>, DeadLetterCounter, GroupedQueue, DeadLetterWriter<T> {
  /** waiting is a FIFO: entries from `head` on; cancelled ones are skipped when reached. */
  private waiting: Array<Entry<T> | undefined> = [];
  private head = 0;
  /** pending indexes every job not yet started (waiting or delayed, first attempt or retry) by id. */
  private readonly pending = new Map<string, Entry<T>>();
  private readonly groups = new Map<string, number>();
  private delayedCount = 0;
  private readonly dead = new Map<string, DeadLetter<T>>();
  private handler?: JobHandler<T>;
  private concurrency = 1;
  private running = 0;
  private closed = false;
  private idleWaiters: Array<() => void> = [];
  private readonly retry: RetryPolicy;
  private readonly maxDeadLetters: number;
  private readonly groupOf?: (job: T) => string;

  constructor(options: RetryPolicy | MemoryJobQueueOptions<T> = {}, maxDeadLetters?: number) {
    const o: MemoryJobQueueOptions<T> = 'baseDelayMs' in options ? { retry: options as RetryPolicy, maxDeadLetters } : (options as MemoryJobQueueOptions<T>);
    this.retry = o.retry ?? DEFAULT_RETRY;
    this.maxDeadLetters = o.maxDeadLetters ?? maxDeadLetters ?? 10_000;
    this.groupOf = o.groupOf;
  }

  async add(job: T, options: JobOptions = {}): Promise<void> {
    if (this.closed) return;
    const id = options.jobId ?? randomUUID();
    if (options.jobId !== undefined && this.pending.has(id)) return;
    const entry: Entry<T> = { id, job, group: this.groupOf?.(job), attempt: 0, firstAttemptAt: 0 };
    this.track(entry, 1);
    if (options.delayMs !== undefined && options.delayMs > 0) this.delay(entry, options.delayMs);
    else this.enqueue(entry);
  }

  async cancel(jobId: string): Promise<boolean> {
    const entry = this.pending.get(jobId);
    if (entry === undefined || entry.attempt !== 0) return false;
    this.track(entry, -1);
    if (entry.timer !== undefined) {
      clearTimeout(entry.timer);
      entry.timer = undefined;
      this.delayedCount--;
    } else {
      entry.cancelled = true;
    }
    this.pump();
    return true;
  }

  process(handler: JobHandler<T>, concurrency = 1): void {
    this.handler = handler;
    this.concurrency = Math.max(1, concurrency);
    this.pump();
  }

  async deadLetters(): Promise<DeadLetter<T>[]> {
    return [...this.dead.values()];
  }

  async deadLetterCount(): Promise<number> {
    return this.dead.size;
  }

  async replay(id: string): Promise<boolean> {
    const letter = this.dead.get(id);
    if (letter === undefined) return false;
    this.dead.delete(id);
    const entry: Entry<T> = { id: randomUUID(), job: letter.job, group: this.groupOf?.(letter.job), attempt: 0, firstAttemptAt: 0 };
    this.track(entry, 1);
    this.enqueue(entry);
    return true;
  }

  /** bury files a job straight into the dead letters (a job refused before it was queued). */
  async bury(job: T, error: string): Promise<void> {
    this.addDead({ id: randomUUID(), job, error, attempts: 0, failedAt: Date.now() });
  }

  async depth(): Promise<number> {
    return this.pending.size;
  }

  async groupDepth(group: string): Promise<number> {
    return this.groups.get(group) ?? 0;
  }

  /** idle resolves when nothing is waiting, delayed or running (used by tests and shutdown). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const entry of this.pending.values()) clearTimeout(entry.timer);
    this.pending.clear();
    this.groups.clear();
    this.delayedCount = 0;
    this.waiting = [];
    this.head = 0;
  }

  private isIdle(): boolean {
    return this.pending.size === 0 && this.running === 0;
  }

  /** track counts an entry in or out of `pending` and its group. */
  private track(entry: Entry<T>, delta: 1 | -1): void {
    if (delta === 1) this.pending.set(entry.id, entry);
    else this.pending.delete(entry.id);
    if (entry.group === undefined) return;
    const n = (this.groups.get(entry.group) ?? 0) + delta;
    if (n <= 0) this.groups.delete(entry.group);
    else this.groups.set(entry.group, n);
  }

  private delay(entry: Entry<T>, ms: number): void {
    this.delayedCount++;
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      this.delayedCount--;
      this.enqueue(entry);
    }, ms);
  }

  private enqueue(entry: Entry<T>): void {
    this.waiting.push(entry);
    this.pump();
  }

  /** next takes the first waiting entry that was not cancelled. */
  private next(): Entry<T> | undefined {
    while (this.head < this.waiting.length) {
      const entry = this.waiting[this.head];
      this.waiting[this.head++] = undefined;
      if (this.head > 1024 && this.head * 2 > this.waiting.length) {
        // why: drop the consumed front now and then instead of Array.shift, which copies on every call.
        this.waiting = this.waiting.slice(this.head);
        this.head = 0;
      }
      if (entry !== undefined && !entry.cancelled) return entry;
    }
    return undefined;
  }

  private pump(): void {
    while (this.handler && !this.closed && this.running < this.concurrency) {
      const entry = this.next();
      if (entry === undefined) break;
      this.track(entry, -1);
      void this.run(entry, this.handler);
    }
    if (this.isIdle()) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private async run(entry: Entry<T>, handler: JobHandler<T>): Promise<void> {
    this.running++;
    entry.attempt++;
    if (entry.attempt === 1) entry.firstAttemptAt = Date.now();
    const context: JobContext = { id: entry.id, attempt: entry.attempt, firstAttemptAt: entry.firstAttemptAt };
    try {
      await handler(entry.job, context);
    } catch (err) {
      if (err instanceof Deferred && !this.closed) {
        // why: a deferral is not an attempt; the job waits its turn again with its retry budget untouched.
        entry.attempt--;
        this.track(entry, 1);
        this.delay(entry, err.delayMs);
        return;
      }
      const next = err instanceof PermanentFailure ? undefined : retryDelay(this.retry, entry.attempt, entry.firstAttemptAt, Date.now());
      if (next === undefined || this.closed) this.bury1(entry, err);
      else {
        this.track(entry, 1);
        this.delay(entry, next);
      }
    } finally {
      this.running--;
      this.pump();
    }
  }

  private bury1(entry: Entry<T>, err: unknown): void {
    this.addDead({ id: entry.id, job: entry.job, error: err instanceof Error ? err.message : String(err), attempts: entry.attempt, failedAt: Date.now() });
  }

  private addDead(letter: DeadLetter<T>): void {
    this.dead.set(letter.id, letter);
    if (this.dead.size > this.maxDeadLetters) this.dead.delete(this.dead.keys().next().value!);
  }
}
