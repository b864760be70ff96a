import type { AppStore } from '../apps/app-store.js';
import type { AppId } from '../ids.js';
import type { JobOptions, JobQueue } from '../queue/job-queue.js';
import type { Logger } from '../telemetry/logger.js';
import { activeTracing, type TraceScope } from '../telemetry/tracing.js';
import type { WebhookEvent, WebhookSink } from './events.js';
import { deliverJobs, endpointWants, heldJobId, WEBHOOK_JOB_VERSION, WEBHOOK_QUEUE, type WebhookJob } from './jobs.js';

/** QueueWebhookSinkOptions tune the sink; every field has a default. */
export interface QueueWebhookSinkOptions {
  /**
   * vacateDelayMs holds channel_vacated and member_removed back; a channel_occupied / member_added for the
   * same channel / member within it cancels both events. Default 3000; zero sends them at once.
   */
  vacateDelayMs?: number;
  logger?: Logger;
}

/**
 * QueueWebhookSink turns webhook events into jobs on the `webhooks` queue: one DeliverJob per endpoint of
 * the app that wants the event (its event_types and channel filter), so that no endpoint ever sees an
 * event it did not ask for. channel_vacated and member_removed wait in a delayed ReleaseJob whose id the
 * matching channel_occupied / member_added cancels; when the cancel succeeds, neither event is sent.
 * Events of one app reach the queue in the order they were emitted.
 */
export class QueueWebhookSink implements WebhookSink {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly vacateDelayMs: number;
  private readonly logger?: Logger;

  constructor(
    private readonly queue: JobQueue<WebhookJob>,
    private readonly apps: AppStore,
    options: QueueWebhookSinkOptions = {},
  ) {
    this.vacateDelayMs = options.vacateDelayMs ?? 3000;
    this.logger = options.logger;
  }

  emit(appId: AppId, event: WebhookEvent): void {
    // why: the event is queued later, behind the app's earlier events; its trace is the one active now.
    const scope = activeTracing()?.capture();
    const previous = this.chains.get(appId) ?? Promise.resolve();
    const next = previous
      .then(() => this.enqueue(appId, event, scope))
      .catch((err: unknown) => this.logger?.error({ err, app_id: appId, event: event.name }, 'webhook event could not be queued'));
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
    const held = heldJobId(appId, event);
    if (held !== undefined && this.vacateDelayMs > 0) {
      if (event.name === 'channel_vacated' || event.name === 'member_removed') {
        if (!app.webhooks.some((endpoint) => endpointWants(endpoint, event))) return;
        await this.add(scope, { v: WEBHOOK_JOB_VERSION, kind: 'release', app_id: appId, event }, { jobId: held, delayMs: this.vacateDelayMs });
        return;
      }
      // why: a cancelled vacate/removal means the receiver never learned the channel emptied (or the member
      // left), so telling it the channel filled again (or the member came) would be a lie.
      if (app.webhooks.some((endpoint) => endpointWants(endpoint, heldCounterpart(event))) && (await this.queue.cancel(held))) return;
    }
    for (const job of deliverJobs(app, event)) await this.add(scope, job);
  }

  /** add queues a job; with tracing on, in a producer span whose context the job carries to its delivery. */
  private add(scope: TraceScope | undefined, job: WebhookJob, options?: JobOptions): Promise<void> {
    const tracing = activeTracing();
    if (tracing === undefined) return this.queue.add(job, options);
    return tracing.enqueue(scope, WEBHOOK_QUEUE, job.event.name, (traceparent) => {
      if (traceparent !== undefined) job.traceparent = traceparent;
      return this.queue.add(job, options);
    });
  }
}

/** heldCounterpart is the held event an occupied / added event cancels (vacated / removed). */
function heldCounterpart(event: WebhookEvent): WebhookEvent {
  if (event.name === 'member_added') return { name: 'member_removed', channel: event.channel, user_id: event.user_id };
  return { name: 'channel_vacated', channel: event.channel };
}
