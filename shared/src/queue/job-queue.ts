/** JobOptions control when a job runs and how it is identified. */
export interface JobOptions {
  /** delayMs postpones the first attempt. */
  delayMs?: number;
  /** jobId makes the job addressable (cancel) and de-duplicates adds with the same id while it waits. */
  jobId?: string;
}

/** RetryPolicy says how failed attempts are retried: exponential back-off with full jitter. */
export interface RetryPolicy {
  /** baseDelayMs is the first retry's delay ceiling. Default 1000. */
  baseDelayMs: number;
  /** maxDelayMs caps one retry's delay. Default 60000. */
  maxDelayMs: number;
  /** maxElapsedMs stops retrying once this long has passed since the first attempt. Default 300000. */
  maxElapsedMs: number;
}

/** JobContext tells a handler about the attempt it is running. */
export interface JobContext {
  id: string;
  /** attempt counts from 1. */
  attempt: number;
  /** firstAttemptAt is the wall-clock ms of the first attempt. */
  firstAttemptAt: number;
}

/** PermanentFailure, thrown by a handler, ends retries at once (the job goes to the dead letters). */
export class PermanentFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentFailure';
  }
}

/**
 * Deferred, thrown by a handler, puts the job back for `delayMs` without counting an attempt: the handler
 * could not run it now for a reason that is not the job's fault (its tenant already has its share of the
 * workers), so the job must neither spend its retry budget nor end as a dead letter for it.
 */
export class Deferred extends Error {
  constructor(readonly delayMs: number, reason: string) {
    super(reason);
    this.name = 'Deferred';
  }
}

/** DeadLetter is a job that exhausted its retries, kept for inspection and replay. */
export interface DeadLetter<T> {
  id: string;
  job: T;
  error: string;
  attempts: number;
  failedAt: number;
}

/** JobHandler runs one attempt of a job; throwing schedules a retry. */
export type JobHandler<T> = (job: T, context: JobContext) => Promise<void>;

/**
 * JobQueue is a durable-where-possible queue of JSON jobs with delays, cancellation, retries with
 * back-off and dead letters. Jobs carry a version field chosen by the producer.
 */
export interface JobQueue<T> {
  add(job: T, options?: JobOptions): Promise<void>;
  /** cancel removes a waiting (delayed) job; true when it was still waiting. */
  cancel(jobId: string): Promise<boolean>;
  /** process starts consuming with at most `concurrency` jobs at once. */
  process(handler: JobHandler<T>, concurrency?: number): void;
  deadLetters(): Promise<DeadLetter<T>[]>;
  /** replay moves a dead letter back to the queue; false when there is no such dead letter. */
  replay(id: string): Promise<boolean>;
  /** depth is the number of jobs waiting or delayed. */
  depth(): Promise<number>;
  close(): Promise<void>;
}

/**
 * DeadLetterCounter is the ability to count dead letters without reading them (for metrics). Kept apart from
 * JobQueue so that a consumer asks only for what it uses; every driver (`openQueue`) has all three abilities.
 */
export interface DeadLetterCounter {
  deadLetterCount(): Promise<number>;
}

/**
 * GroupedQueue is the ability to count the jobs of one group (an app) waiting or delayed, so that a
 * producer can cap each group's backlog; `group` comes from the job (the queue's `groupOf`).
 */
export interface GroupedQueue {
  groupDepth(group: string): Promise<number>;
}

/** DeadLetterWriter is the ability to file a job straight into the dead letters (a refused job). */
export interface DeadLetterWriter<T> {
  bury(job: T, error: string): Promise<void>;
}

/** DEFAULT_RETRY is the webhook retry policy of PROTOCOL.md §9. */
export const DEFAULT_RETRY: RetryPolicy = { baseDelayMs: 1000, maxDelayMs: 60_000, maxElapsedMs: 300_000 };

/** retryDelay returns the next delay with full jitter, or undefined when the elapsed budget is spent. */
export function retryDelay(policy: RetryPolicy, attempt: number, firstAttemptAt: number, now: number, random = Math.random): number | undefined {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const delay = Math.max(1, Math.round(ceiling * (0.5 + random() / 2)));
  if (now + delay - firstAttemptAt > policy.maxElapsedMs) return undefined;
  return delay;
}
