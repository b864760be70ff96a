import { randomUUID } from 'node:crypto';
import type { AppStore } from '../apps/app-store.js';
import { DependencyUnavailable } from '../errors/dependency-unavailable.js';
import type { AppId } from '../ids.js';
import type { JobOptions } from '../queue/job-queue.js';
import type { Logger } from '../telemetry/logger.js';
import { activeTracing, type TraceScope } from '../telemetry/tracing.js';
import type { WebhookEvent, WebhookSink } from './events.js';
import { deliverJobs, endpointWants, heldJobId, WEBHOOK_JOB_VERSION, WEBHOOK_QUEUE, type WebhookJob, type WebhookQueue } from './jobs.js';

/** QueueWebhookSinkOptions tune the sink; every field has a default. */
export interface QueueWebhookSinkOptions {
  /**
   * vacateDelayMs holds channel_vacated and member_removed back; a channel_occupied / member_added for the
   * same channel / member within it cancels both events. Default 3000; zero sends them at once.
   */
  vacateDelayMs?: number;
  logger?: Logger;
  /** maxQueuedPerApp caps an app's jobs waiting in the queue (its `groupDepth`). Default 10000; zero means no limit. */
  maxQueuedPerApp?: number;
  /** maxQueued caps the jobs waiting in the queue (read at most once a second). Default 100000; zero means no limit. */
  maxQueued?: number;
  /** enqueueTimeoutMs bounds the wait for one add (Redis down). Default 2000. */
  enqueueTimeoutMs?: number;
  /** maxPendingPerApp caps an app's events waiting to be queued behind a slow add. Default 10000. */
  maxPendingPerApp?: number;
  /** onDropped is told of each event that was not queued, and why (metrics). */
  onDropped?: (appId: AppId, reason: DropReason) => void;
}

/**
 * DropReason says why an event was not queued: its app's backlog is full (`depth_cap`, a dead letter where
 * the queue keeps them), the whole queue is (`queue_full`), the queue did not take it in time
 * (`queue_unavailable`), or too many of the app's events already wait for the queue (`backlog`).
 */
export type DropReason = 'depth_cap' | 'queue_full' | 'queue_unavailable' | 'backlog';

/** DEPTH_READ_MS is how long a read of the queue's total depth is reused. */
const DEPTH_READ_MS = 1000;

/**
 * QueueWebhookSink turns webhook events into jobs on the `webhooks` queue: one DeliverJob per endpoint of
 * the app that wants the event (its event_types and channel filter), so that no endpoint ever sees an
 * event it did not ask for. channel_vacated and member_removed wait in a delayed ReleaseJob whose id the
 * matching channel_occupied / member_added cancels; when the cancel succeeds, neither event is sent.
 * Events of one app reach the queue in the order they were emitted.
 */
export class QueueWebhookSink implements WebhookSink {
  private readonly chains = new Map<string, Promise<void>>();
  /** pending counts each app's events emitted and not yet queued (or dropped). */
  private readonly pending = new Map<string, number>();
  private readonly vacateDelayMs: number;
  private readonly logger?: Logger;
  private readonly maxQueuedPerApp: number;
  private readonly maxQueued: number;
  private readonly enqueueTimeoutMs: number;
  private readonly maxPendingPerApp: number;
  private readonly onDropped: (appId: AppId, reason: DropReason) => void;
  private depthRead?: { at: number; depth: Promise<number> };

  constructor(
    private readonly queue: WebhookQueue,
    private readonly apps: AppStore,
    options: QueueWebhookSinkOptions = {},
  ) {
    this.vacateDelayMs = options.vacateDelayMs ?? 3000;
    this.logger = options.logger;
    this.maxQueuedPerApp = options.maxQueuedPerApp ?? 10_000;
    this.maxQueued = options.maxQueued ?? 100_000;
    this.enqueueTimeoutMs = options.enqueueTimeoutMs ?? 2000;
    this.maxPendingPerApp = options.maxPendingPerApp ?? 10_000;
    this.onDropped = options.onDropped ?? (() => undefined);
  }

  emit(appId: AppId, event: WebhookEvent): void {
    // why: while the queue is slow (Redis down) events pile up in memory behind the app's chain; past the
    // cap they are dropped and counted instead.
    const waiting = this.pending.get(appId) ?? 0;
    if (waiting >= this.maxPendingPerApp) {
      this.dropped(appId, 'backlog');
      return;
    }
    this.pending.set(appId, waiting + 1);
    if (event.id === undefined) event = { ...event, id: randomUUID() };
    // why: the event is queued later, behind the app's earlier events; its trace is the one active now.
    const scope = activeTracing()?.capture();
    const previous = this.chains.get(appId) ?? Promise.resolve();
    const queued = event;
    const next = previous
      .then(() => this.enqueue(appId, queued, scope))
      .catch((err: unknown) => {
        // why: a queue that refuses at once while Redis is down (rather than holding the job in memory) loses the event
        if (err instanceof DependencyUnavailable) this.dropped(appId, 'queue_unavailable');
        else this.logger?.error({ err, app_id: appId, event: queued.name }, 'webhook event could not be queued');
      })
      .finally(() => {
        const n = (this.pending.get(appId) ?? 1) - 1;
        if (n <= 0) this.pending.delete(appId);
        else this.pending.set(appId, n);
      });
    this.chains.set(appId, next);
    void next.then(() => {
      if (this.chains.get(appId) === next) this.chains.delete(appId);
    });
  }

  /** flush resolves once every event emitted so far is on the queue (or was dropped by design). */
  async flush(): Promise<void> {
    await Promise.all([...this.chains.values()]);
  }

  private async enqueue(appId: AppId, event: WebhookEvent, scope: TraceScope | undefined): Promise<void> {
    const app = await this.apps.byId(appId);
    if (app === undefined || app.webhooks.length === 0) return;
    if (!(await this.hasRoom(appId, event))) return;
    const held = heldJobId(appId, event);
    if (held !== undefined && this.vacateDelayMs > 0) {
      if (event.name === 'channel_vacated' || event.name === 'member_removed') {
        if (!app.webhooks.some((endpoint) => endpointWants(endpoint, event))) return;
        await this.add(scope, { v: WEBHOOK_JOB_VERSION, kind: 'release', app_id: appId, event }, { jobId: held, delayMs: this.vacateDelayMs });
        return;
      }
      // why: a cancelled vacate/removal means the receiver never learned the channel emptied (or the member
      // left), so telling it the channel filled again (or the member came) would be a lie.
      if (app.webhooks.some((endpoint) => endpointWants(endpoint, heldCounterpart(event))) && (await withTimeout(this.queue.cancel(held), this.enqueueTimeoutMs, false))) return;
    }
    for (const job of deliverJobs(app, event)) await this.add(scope, job);
  }

  /**
   * hasRoom checks the app's backlog (over the cap the event becomes a dead letter) and the whole queue's; a
   * refused event is counted and dropped.
   */
  private async hasRoom(appId: AppId, event: WebhookEvent): Promise<boolean> {
    if (this.maxQueuedPerApp > 0 && (await this.queue.groupDepth(appId)) >= this.maxQueuedPerApp) {
      this.dropped(appId, 'depth_cap');
      await this.queue.bury({ v: WEBHOOK_JOB_VERSION, kind: 'release', app_id: appId, event }, `app over webhooks.max_queued_per_app (${this.maxQueuedPerApp})`);
      return false;
    }
    if (this.maxQueued > 0 && (await this.totalDepth()) >= this.maxQueued) {
      this.dropped(appId, 'queue_full');
      return false;
    }
    return true;
  }

  /** totalDepth reads the queue's depth, reusing a read younger than DEPTH_READ_MS (a Redis round trip). */
  private totalDepth(): Promise<number> {
    const now = Date.now();
    if (this.depthRead === undefined || now - this.depthRead.at > DEPTH_READ_MS) {
      // why: BullMQ waits for Redis forever; an unanswered read counts as room (the add's own timeout applies).
      this.depthRead = { at: now, depth: withTimeout(this.queue.depth(), this.enqueueTimeoutMs, 0).catch(() => 0) };
    }
    return this.depthRead.depth;
  }

  private dropped(appId: AppId, reason: DropReason): void {
    this.onDropped(appId, reason);
    this.logger?.debug({ app_id: appId, reason }, 'webhook event dropped');
  }

  /**
   * add queues a job, waiting at most enqueueTimeoutMs (then the event is counted as dropped; the add may
   * still land later). With tracing on, in a producer span whose context the job carries to its delivery.
   */
  private async add(scope: TraceScope | undefined, job: WebhookJob, options?: JobOptions): Promise<void> {
    const tracing = activeTracing();
    const adding =
      tracing === undefined
        ? this.queue.add(job, options)
        : tracing.enqueue(scope, WEBHOOK_QUEUE, job.event.name, (traceparent) => {
            if (traceparent !== undefined) job.traceparent = traceparent;
            return this.queue.add(job, options);
          });
    const settled = adding.then(
      () => 'added' as const,
      (err: unknown) => {
        if (err instanceof DependencyUnavailable) return 'timeout' as const;
        throw err;
      },
    );
    const result = await withTimeout(settled, this.enqueueTimeoutMs, 'timeout' as const);
    if (result === 'timeout') {
      adding.catch(() => undefined);
      this.dropped(job.app_id, 'queue_unavailable');
    }
  }
}

/** withTimeout settles like `promise`, or with `fallback` once `ms` passed without an answer. */
async function withTimeout<T, F>(promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<F>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** heldCounterpart is the held event an occupied / added event cancels (vacated / removed). */
function heldCounterpart(event: WebhookEvent): WebhookEvent {
  if (event.name === 'member_added') return { name: 'member_removed', channel: event.channel, user_id: event.user_id };
  return { name: 'channel_vacated', channel: event.channel };
}
