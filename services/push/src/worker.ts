import {
  PermanentFailure,
  isPushJob,
  type JobContext,
  type PushJob,
  type RetryPolicy,
} from '@sockudo-ts/shared';
import { PushDelivery } from './delivery.js';
import { PushPlanner } from './planner.js';
import type { PushPorts } from './ports.js';
import type { ProviderDirectory } from './providers/provider.js';

/**
 * DEFAULT_PUSH_RETRY is the push delivery back-off: from 1 s, doubling to at most a minute between
 * attempts, for up to an hour; a provider outage shorter than that loses nothing.
 */
export const DEFAULT_PUSH_RETRY: RetryPolicy = { baseDelayMs: 1000, maxDelayMs: 60_000, maxElapsedMs: 3_600_000 };

/** PushWorkerOptions are the worker's ports and settings; defaults in brackets. */
export interface PushWorkerOptions extends PushPorts {
  providers: ProviderDirectory;
  /** retry is the delivery back-off and budget [DEFAULT_PUSH_RETRY]. */
  retry?: RetryPolicy;
  /** maxRecipients is `max_recipients_per_publish`; zero means no limit [0]. */
  maxRecipients?: number;
  /** batchSize is the number of devices per deliver job [500]. */
  batchSize?: number;
  /** concurrency is the number of jobs handled at once [4]. */
  concurrency?: number;
  /** providerConcurrency caps the requests in flight to each provider [64]. */
  providerConcurrency?: number;
  now?: () => number;
}

/**
 * PushWorker consumes the `push` queue: publish jobs are planned into deliver jobs (PushPlanner), deliver
 * jobs are sent through the providers (PushDelivery). Jobs are at-least-once: a worker that dies mid-job has
 * it redelivered, and its batch may reach some devices twice.
 */
export class PushWorker {
  private readonly planner: PushPlanner;
  private readonly delivery: PushDelivery;

  constructor(private readonly options: PushWorkerOptions) {
    const { queue, devices, statuses, logger, metrics } = options;
    const shared = { queue, devices, statuses, logger, ...(metrics !== undefined ? { metrics } : {}) };
    this.planner = new PushPlanner({ ...shared, maxRecipients: options.maxRecipients ?? 0, batchSize: options.batchSize ?? 500 });
    this.delivery = new PushDelivery({
      ...shared,
      providers: options.providers,
      retry: options.retry ?? DEFAULT_PUSH_RETRY,
      providerConcurrency: options.providerConcurrency ?? 64,
      ...(options.now !== undefined ? { now: options.now } : {}),
    });
  }

  /** start begins consuming the queue. */
  start(): void {
    this.options.queue.process((job, context) => this.handle(job, context), this.options.concurrency ?? 4);
  }

  /** handle runs one attempt of one job (exposed for tests). */
  async handle(job: PushJob, context: JobContext): Promise<void> {
    if (!isPushJob(job)) throw new PermanentFailure('not a push job of a known version');
    if (job.kind === 'publish') await this.planner.plan(job);
    else await this.delivery.deliver(job, context);
  }
}
