import {
  Deferred,
  PermanentFailure,
  WEBHOOK_QUEUE,
  activeTracing,
  deliverJobs,
  isWebhookJob,
  type AppStore,
  type JobContext,
  type Logger,
  type WebhookJob,
  type WebhookQueue,
} from '@sockudo-ts/shared';
import { Batcher, type Batch } from './batcher.js';
import { CircuitBreakers } from './circuit.js';
import { postWebhook, safeUrl, signedRequest } from './delivery.js';
import type { WebhookMetrics } from './metrics.js';

/** WebhookWorkerOptions are the worker's ports and delivery settings. */
export interface WebhookWorkerOptions {
  queue: WebhookQueue;
  apps: AppStore;
  logger: Logger;
  metrics?: WebhookMetrics;
  /** timeoutMs fails (and retries) a request without a response in this time. */
  timeoutMs: number;
  /** concurrency is the number of requests in flight at once. */
  concurrency: number;
  /** batching, when enabled, sends up to `size` events per request after collecting for `durationMs`. */
  batching: { enabled: boolean; durationMs: number; size: number };
  /** maxConcurrentPerApp caps one app's requests in flight; more are put back with back-off. Zero means no limit. */
  maxConcurrentPerApp?: number;
  /** circuit opens an endpoint's circuit after `threshold` failures in a row, for `cooldownMs`. Threshold zero: off. */
  circuit?: { threshold: number; cooldownMs: number };
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
/**
 * DEFER_MS bounds how long a job of an app at its concurrency cap steps back before it is offered again: at
 * least `min`, at most `max`, and about DEFER_PER_QUEUED_MS for each job of that app queued per request slot.
 */
const DEFER_MS = { min: 100, max: 30_000 };
const DEFER_PER_QUEUED_MS = 10;

export class WebhookWorker {
  private readonly batcher?: Batcher;
  /** circuits are the endpoints' circuit breakers (keyed by URL). */
  readonly circuits: CircuitBreakers;
  /** inFlight counts each app's requests in flight. */
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly options: WebhookWorkerOptions) {
    const { batching } = options;
    if (batching.enabled) this.batcher = new Batcher(batching.durationMs, batching.size, (b) => this.send(b));
    this.circuits = new CircuitBreakers(options.circuit?.threshold ?? 5, options.circuit?.cooldownMs ?? 30_000);
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

  /**
   * send posts one batch, unless its app already has maxConcurrentPerApp requests in flight or its
   * endpoint's circuit is open: then the jobs fail at once, without a request, and the queue retries them
   * with back-off. why: a receiver that hangs would otherwise hold every delivery slot for timeoutMs each,
   * stalling the webhooks of every other app.
   */
  private async send(batch: Batch, context?: JobContext): Promise<void> {
    const { app, url, events } = batch;
    const cap = this.options.maxConcurrentPerApp ?? 0;
    const inFlight = this.inFlight.get(app.id) ?? 0;
    if (cap > 0 && inFlight >= cap) {
      this.options.metrics?.defer(app.id, 'app_concurrency', events.length);
      // why: a busy app's job is not failing; it steps back without spending its retry budget, so that a
      // high-volume app with a healthy receiver never sees its webhooks dead-lettered for being busy.
      throw new Deferred(await this.deferMs(app.id, cap), `app ${app.id} has ${cap} webhook requests in flight`);
    }
    if (!this.circuits.allow(url)) {
      this.options.metrics?.defer(app.id, 'circuit_open', events.length);
      throw new WebhookFailure(`${safeUrl(url)}: circuit open after repeated failures (last: ${this.circuits.lastFailure(url)}); retried later`);
    }
    const request = signedRequest(app, events, batch.headers);
    const started = process.hrtime.bigint();
    this.inFlight.set(app.id, inFlight + 1);
    let outcome;
    try {
      outcome = await postWebhook(url, request, this.options.timeoutMs);
    } finally {
      const n = (this.inFlight.get(app.id) ?? 1) - 1;
      if (n <= 0) this.inFlight.delete(app.id);
      else this.inFlight.set(app.id, n);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.options.metrics?.record(app.id, outcome.kind, events.length, seconds);
    // why: an endpoint that answers (even 4xx) is up; only timeouts, 5xx and connection errors trip its circuit.
    if (outcome.kind === 'retry') this.circuits.failed(url, outcome.reason);
    else this.circuits.succeeded(url);
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

  /**
   * deferMs is a random wait for a job of an app at its cap, spread over about as long as that app's queued jobs
   * need its request slots (DEFER_MS). why: a fixed 100-400 ms brought each of the 10,000 queued jobs of an app
   * whose receiver hangs back several times a second, a spin that took the embedded server's event loop from
   * every socket (`npm run bench -- --scenarios abuse --attacks webhook-hang`).
   */
  private async deferMs(appId: string, cap: number): Promise<number> {
    const queued = await this.options.queue.groupDepth(appId).catch(() => 0);
    const spread = Math.min(DEFER_MS.max, Math.max(4 * DEFER_MS.min, (queued / cap) * DEFER_PER_QUEUED_MS));
    return DEFER_MS.min + Math.floor(Math.random() * (spread - DEFER_MS.min));
  }
}
