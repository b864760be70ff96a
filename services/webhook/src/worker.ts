import {
  PermanentFailure,
  WEBHOOK_QUEUE,
  activeTracing,
  deliverJobs,
  isWebhookJob,
  type AppStore,
  type JobContext,
  type JobQueue,
  type Logger,
  type WebhookJob,
} from '@sockudo-ts/shared';
import { Batcher, type Batch } from './batcher.js';
import { postWebhook, safeUrl, signedRequest } from './delivery.js';
import type { WebhookMetrics } from './metrics.js';

/** WebhookWorkerOptions are the worker's ports and delivery settings. */
export interface WebhookWorkerOptions {
  queue: JobQueue<WebhookJob>;
  apps: AppStore;
  logger: Logger;
  metrics?: WebhookMetrics;
  /** timeoutMs fails (and retries) a request without a response in this time. */
  timeoutMs: number;
  /** concurrency is the number of requests in flight at once. */
  concurrency: number;
  /** batching, when enabled, sends up to `size` events per request after collecting for `durationMs`. */
  batching: { enabled: boolean; durationMs: number; size: number };
}

/** WebhookFailure is a failed delivery attempt; the queue retries it (unless it is a PermanentFailure). */
export class WebhookFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookFailure';
  }
}

/**
 * WebhookWorker consumes the `webhooks` queue: it releases held events (vacate delay) into deliver jobs,
 * and delivers deliver jobs as signed POSTs, batched per app and endpoint when batching is on. A 2xx
 * completes the job; 5xx, 408, 409, 425, 429, timeouts and connection errors are retried by the queue with
 * back-off and jitter; any other answer is a permanent failure and a dead letter.
 */
export class WebhookWorker {
  private readonly batcher?: Batcher;

  constructor(private readonly options: WebhookWorkerOptions) {
    const { batching } = options;
    if (batching.enabled) this.batcher = new Batcher(batching.durationMs, batching.size, (b) => this.send(b));
  }

  /** start begins consuming; with batching, each delivery slot may hold a whole batch of jobs. */
  start(): void {
    const { concurrency, batching } = this.options;
    const slots = batching.enabled ? concurrency * batching.size : concurrency;
    this.options.queue.process((job, context) => this.handle(job, context), slots);
  }

  /** stop sends the open batches now; the queue's owner closes the queue afterwards. */
  stop(): void {
    this.batcher?.flushAll();
  }

  /** handle runs one attempt of one job (exposed for tests). */
  handle(job: WebhookJob, context: JobContext): Promise<void> {
    if (!isWebhookJob(job)) return Promise.reject(new PermanentFailure('not a webhook job of a known version'));
    const tracing = activeTracing();
    if (tracing === undefined) return this.run(job, context);
    // why: the delivery continues the trace that queued the event; its HTTP request is a child span.
    return tracing.consume(WEBHOOK_QUEUE, job.event.name, job.traceparent, () => this.run(job, context));
  }

  private async run(job: WebhookJob, context: JobContext): Promise<void> {
    const app = await this.options.apps.byId(job.app_id);
    if (app === undefined) throw new PermanentFailure(`app ${job.app_id} does not exist`);
    if (job.kind === 'release') {
      const tracing = activeTracing();
      for (const deliver of deliverJobs(app, job.event)) {
        if (tracing === undefined) await this.options.queue.add(deliver);
        else await tracing.enqueue(undefined, WEBHOOK_QUEUE, deliver.event.name, (traceparent) => this.options.queue.add(traceparent === undefined ? deliver : { ...deliver, traceparent }));
      }
      return;
    }
    if (this.batcher !== undefined) return this.batcher.add(app, job);
    await this.send({ app, url: job.url, headers: job.headers, events: [job.event] }, context);
  }

  private async send(batch: Batch, context?: JobContext): Promise<void> {
    const { app, url, events } = batch;
    const request = signedRequest(app, events, batch.headers);
    const started = process.hrtime.bigint();
    const outcome = await postWebhook(url, request, this.options.timeoutMs);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.options.metrics?.record(app.id, outcome.kind, events.length, seconds);
    if (outcome.kind === 'delivered') return;
    const where = safeUrl(url);
    const log = { app_id: app.id, url: where, events: events.length, reason: outcome.reason, attempt: context?.attempt };
    if (outcome.kind === 'rejected') {
      this.options.logger.warn(log, 'webhook refused by its receiver; kept as a dead letter');
      throw new PermanentFailure(`${where} answered ${outcome.reason}`);
    }
    this.options.logger.debug(log, 'webhook delivery failed; it will be retried');
    throw new WebhookFailure(`${where}: ${outcome.reason}`);
  }
}
