import { randomUUID } from 'node:crypto';
import {
  DEFAULT_RETRY,
  PermanentFailure,
  retryDelay,
  type DeadLetter,
  type DeadLetterCounter,
  type JobContext,
  type JobHandler,
  type JobOptions,
  type JobQueue,
  type RetryPolicy,
} from './job-queue.js';

interface Entry<T> {
  id: string;
  job: T;
  attempt: number;
  firstAttemptAt: number;
  timer?: NodeJS.Timeout;
}

/**
 * MemoryJobQueue has the semantics of the BullMQ queue in one process: delays, cancellation by id,
 * retries with exponential back-off and jitter, and dead letters. Jobs do not survive a restart.
 */
export class MemoryJobQueue<T> implements JobQueue<T>, DeadLetterCounter {
  private readonly waiting: Entry<T>[] = [];
  private readonly delayed = new Map<string, Entry<T>>();
  private readonly dead = new Map<string, DeadLetter<T>>();
  private handler?: JobHandler<T>;
  private concurrency = 1;
  private running = 0;
  private closed = false;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly retry: RetryPolicy = DEFAULT_RETRY, private readonly maxDeadLetters = 10_000) {}

  async add(job: T, options: JobOptions = {}): Promise<void> {
    if (this.closed) return;
    const id = options.jobId ?? randomUUID();
    if (options.jobId !== undefined && (this.delayed.has(id) || this.waiting.some((e) => e.id === id))) return;
    const entry: Entry<T> = { id, job, attempt: 0, firstAttemptAt: 0 };
    if (options.delayMs !== undefined && options.delayMs > 0) this.delay(entry, options.delayMs);
    else this.enqueue(entry);
  }

  async cancel(jobId: string): Promise<boolean> {
    const entry = this.delayed.get(jobId);
    if (entry !== undefined && entry.attempt === 0) {
      clearTimeout(entry.timer);
      this.delayed.delete(jobId);
      return true;
    }
    const i = this.waiting.findIndex((e) => e.id === jobId && e.attempt === 0);
    if (i < 0) return false;
    this.waiting.splice(i, 1);
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
    this.enqueue({ id: randomUUID(), job: letter.job, attempt: 0, firstAttemptAt: 0 });
    return true;
  }

  async depth(): Promise<number> {
    return this.waiting.length + this.delayed.size;
  }

  /** idle resolves when nothing is waiting, delayed or running (used by tests and shutdown). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const entry of this.delayed.values()) clearTimeout(entry.timer);
    this.delayed.clear();
    this.waiting.length = 0;
  }

  private isIdle(): boolean {
    return this.waiting.length === 0 && this.delayed.size === 0 && this.running === 0;
  }

  private delay(entry: Entry<T>, ms: number): void {
    this.delayed.set(entry.id, entry);
    entry.timer = setTimeout(() => {
      this.delayed.delete(entry.id);
      this.enqueue(entry);
    }, ms);
  }

  private enqueue(entry: Entry<T>): void {
    this.waiting.push(entry);
    this.pump();
  }

  private pump(): void {
    while (this.handler && !this.closed && this.running < this.concurrency && this.waiting.length > 0) {
      const entry = this.waiting.shift()!;
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
      const next = err instanceof PermanentFailure ? undefined : retryDelay(this.retry, entry.attempt, entry.firstAttemptAt, Date.now());
      if (next === undefined || this.closed) this.bury(entry, err);
      else this.delay(entry, next);
    } finally {
      this.running--;
      this.pump();
    }
  }

  private bury(entry: Entry<T>, err: unknown): void {
    this.dead.set(entry.id, {
      id: entry.id,
      job: entry.job,
      error: err instanceof Error ? err.message : String(err),
      attempts: entry.attempt,
      failedAt: Date.now(),
    });
    if (this.dead.size > this.maxDeadLetters) this.dead.delete(this.dead.keys().next().value!);
  }
}
